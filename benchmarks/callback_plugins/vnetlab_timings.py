# Benchmark helper: appends {module, elapsed_ms, changed} of every task result that reports
# elapsed_ms to the JSON-lines file named by VNETLAB_TIMINGS.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: vnetlab_timings
type: aggregate
short_description: record vnetlab modules' own execution time (benchmarks only)
description: Writes one JSON line per module result carrying elapsed_ms to the file in VNETLAB_TIMINGS.
requirements: [enable in ansible.cfg or ANSIBLE_CALLBACKS_ENABLED]
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'vnetlab_timings'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result):
        path = os.environ.get('VNETLAB_TIMINGS')
        data = result._result
        items = data.get('results', [data])
        with open(path, 'a') as f:
            for item in items:
                if isinstance(item, dict) and 'elapsed_ms' in item:
                    f.write(json.dumps({'module': result._task.action, 'elapsed_ms': item['elapsed_ms'],
                                        'changed': item.get('changed')}) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result)
