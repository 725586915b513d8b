"""Impairment values: what a user writes <-> the kernel's units, and the netem request a change sends."""
import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import netlink
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.impairment import (
    KIND, parse_rate, parse_time, rate_text, time_text, values_view)


@pytest.mark.parametrize('given, us, text', [
    ('20ms', 20000, '20ms'), (20, 20000, '20ms'), (1.5, 1500, '1.5ms'), ('500us', 500, '500us'),
    ('1s', 1000000, '1s'), ('0.0015', 2, '2us'), ('333us', 333, '333us')])
def test_times(given, us, text):
    assert parse_time('delay', given) == us and time_text(us) == text


@pytest.mark.parametrize('given, rate, text', [
    ('1mbit', 125000, '1mbit'), ('2.5mbit', 312500, '2500kbit'), ('1500kbit', 187500, '1500kbit'),
    ('10gbit', 1250000000, '10gbit'), ('64000bit', 8000, '64kbit')])
def test_rates(given, rate, text):
    assert parse_rate('rate', given) == rate and rate_text(rate) == text


def desired(**params):
    base = dict((k, None) for k in KIND.OPTIONS)
    base.update(interface='x', state='present', adopt=False)
    base.update(params)
    return KIND.desired(base)


def test_percentages_round_trip_as_the_kernel_reports_them():
    d = desired(delay='20ms', loss=33.33333, duplicate=50, loss_correlation=25)
    assert d['kind'] == 'netem'
    assert values_view('netem', d['values']) == {'delay': '20ms', 'loss': 33.3333, 'loss_correlation': 25.0,
                                                 'duplicate': 50.0}


@pytest.mark.parametrize('params, param', [
    ({'delay': 5, 'jitter': '3s'}, 'jitter'), ({'loss': 0.00001}, 'loss'), ({'loss': 101}, 'loss'),
    ({'rate': '10kbps'}, 'rate'), ({'rate': 8}, 'rate'), ({'reorder': 5}, 'reorder')])
def test_refused_before_anything(params, param):
    with pytest.raises(ParamError) as e:
        desired(**params)
    assert e.value.param == param


def test_a_netem_change_sends_every_attribute_so_a_removed_one_goes():
    """The kernel keeps a netem attribute a change leaves out: a rate, a correlation, reordering, corruption."""
    from pyroute2.netlink.rtnl.tcmsg import tcmsg
    sent = []
    netlink._ENCODED.clear()
    real = netlink._send_ack
    netlink._send_ack = sent.append
    try:
        netlink.qdisc_write('change', 7, 0x766C0000, 'netem', desired(delay='20ms')['values'])
    finally:
        netlink._send_ack = real
    msg = tcmsg(sent[0])
    msg.decode()
    assert msg['index'] == 7 and msg['handle'] == 0x766C0000
    options = msg.get_attr('TCA_OPTIONS')
    assert options.get_attr('TCA_NETEM_RATE')['rate'] == 0
    assert options.get_attr('TCA_NETEM_CORR')['loss_corr'] == 0
    assert options.get_attr('TCA_NETEM_REORDER')['prob_reorder'] == 0
    assert options.get_attr('TCA_NETEM_CORRUPT')['prob_corrupt'] == 0
