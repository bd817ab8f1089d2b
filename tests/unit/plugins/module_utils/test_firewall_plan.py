# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the swarm_firewall role's plans (ufw, firewalld, nftables) and node addresses."""

from __future__ import annotations

from ansible_collections.homelab.swarm.plugins.filter.swarm_firewall import swarm_firewall_nodes
from ansible_collections.homelab.swarm.plugins.module_utils import firewall_plan as plan

COMMENT = 'homelab.swarm'
COMMENT_HEX = 'comment=' + COMMENT.encode().hex()
# The ports as swarm_firewall's nodes.yml gives them, on a worker and on a manager.
WORKER_PORTS = [{'proto': 'tcp', 'port': 7946}, {'proto': 'udp', 'port': 7946}, {'proto': 'udp', 'port': 4789}]
MANAGER_PORTS = [{'proto': 'tcp', 'port': 2377}] + WORKER_PORTS


def test_node_addresses_prefer_an_advertised_ip_then_the_named_interface_then_the_default_route():
    hostvars = {
        'm1': {'swarm_advertise_addr': ' 192.0.2.10 ', 'ansible_facts': {'default_ipv4': {'address': '10.0.0.1'}}},
        'w1': {'swarm_advertise_addr': 'wg-0', 'ansible_facts': {'wg_0': {'ipv4': {'address': '10.9.0.2'}},
                                                                 'default_ipv4': {'address': '10.0.0.2'}}},
        'w2': {'ansible_facts': {'default_ipv4': {'address': '10.0.0.3'}}},
        'w3': {'swarm_advertise_addr': '2001:DB8::5'},
        'w4': {'swarm_advertise_addr': 'eth9', 'ansible_facts': {}},
    }
    nodes = swarm_firewall_nodes(['m1', 'w1', 'w2', 'w3', 'w4'], hostvars)
    assert nodes['addresses'] == {'m1': '192.0.2.10', 'w1': '10.9.0.2', 'w2': '10.0.0.3', 'w3': '2001:db8::5', 'w4': ''}
    assert nodes['unknown'] == ['w4']
    assert nodes['ipv4'] == ['10.0.0.3', '10.9.0.2', '192.0.2.10']
    assert nodes['ipv6'] == ['2001:db8::5']


# ufw ---------------------------------------------------------------------------------------------

def tuple_line(proto, port, source, comment=None):
    line = '### tuple ### allow %s %s 0.0.0.0/0 any %s in' % (proto, port, source)
    return line + (' ' + comment if comment else '')


def test_ufw_first_run_enables_ufw_and_adds_every_port_for_every_node():
    found = plan.ufw_plan([], ['192.0.2.10', '192.0.2.20'], MANAGER_PORTS, COMMENT, active=False)
    assert found['enable'] is True
    assert len(found['add']) == 8 and found['remove'] == []
    assert found['add'][0] == {'proto': 'tcp', 'from_ip': '192.0.2.10', 'to_port': '2377', 'comment': COMMENT}


def test_ufw_adds_only_what_is_missing_keeps_the_admins_rule_and_removes_its_own_stale_rules():
    lines = [
        tuple_line('tcp', 2377, '192.0.2.10', COMMENT_HEX),
        tuple_line('tcp', 7946, '192.0.2.10'),                      # the admin's own rule, same port
        tuple_line('udp', 7946, '192.0.2.10', COMMENT_HEX),
        tuple_line('udp', 4789, '192.0.2.99', COMMENT_HEX),          # ours, for a node that left
        tuple_line('tcp', 22, '192.0.2.99', 'comment=' + b'other'.hex()),  # someone else's: kept
        tuple_line('esp', 'any', '192.0.2.99', COMMENT_HEX),         # ours, a protocol without ports
    ]
    found = plan.ufw_plan(lines, ['192.0.2.10'], MANAGER_PORTS, COMMENT, active=True)
    assert found['enable'] is False
    assert found['add'] == [{'proto': 'udp', 'from_ip': '192.0.2.10', 'to_port': '4789', 'comment': COMMENT}]
    assert found['remove'] == [{'proto': 'udp', 'from_ip': '192.0.2.99', 'to_port': '4789'},
                               {'proto': 'esp', 'from_ip': '192.0.2.99'}]


def test_ufw_ignores_rules_that_are_not_plain_allow_rules_from_one_source():
    lines = ['### tuple ### deny tcp 2377 0.0.0.0/0 any 192.0.2.10 in ' + COMMENT_HEX,
             '### tuple ### allow tcp 2377 192.0.2.1 any 192.0.2.10 in ' + COMMENT_HEX,
             '### tuple ### allow tcp 2377 0.0.0.0/0 any 192.0.2.10 out ' + COMMENT_HEX,
             'garbage']
    found = plan.ufw_plan(lines, [], MANAGER_PORTS, COMMENT, active=True)
    assert found == {'enable': False, 'add': [], 'remove': []}


def test_ufw_is_settled_when_every_rule_is_there():
    ports = WORKER_PORTS
    lines = [tuple_line(p['proto'], p['port'], '192.0.2.10', COMMENT_HEX) for p in ports]
    assert plan.ufw_plan(lines, ['192.0.2.10'], ports, COMMENT, active=True) == {'enable': False, 'add': [], 'remove': []}


# firewalld ---------------------------------------------------------------------------------------

def firewalld_reading(mode_state):
    lines = []
    for mode in ('runtime', 'permanent'):
        state = mode_state[mode]
        lines += ['== %s ipsets' % mode] + state.get('ipsets', [])
        lines += ['== %s policies' % mode] + state.get('policies', [])
        for ipset, entries in state.get('entries', {}).items():
            lines += ['== %s entries %s' % (mode, ipset)] + entries
        if 'rules' in state:
            lines += ['== %s ingress' % mode] + state.get('ingress', [])
            lines += ['== %s egress' % mode] + state.get('egress', [])
            lines += ['== %s rules' % mode] + state['rules']
    return lines


def test_firewalld_first_run_creates_the_ipsets_and_policy_and_reloads_instead_of_runtime_changes():
    found = plan.firewalld_plan(firewalld_reading({'runtime': {'ipsets': [], 'policies': ['allow-host-ipv6']},
                                                   'permanent': {'ipsets': [], 'policies': ['allow-host-ipv6']}}),
                                'hs', 'hs-v6', 'hs', ['192.0.2.10'], [], [{'proto': 'tcp', 'port': 2377}])
    assert found['create'] == [['firewall-cmd', '--permanent', '--new-ipset=hs', '--type=hash:ip'],
                               ['firewall-cmd', '--permanent', '--new-ipset=hs-v6', '--type=hash:ip', '--option=family=inet6'],
                               ['firewall-cmd', '--permanent', '--new-policy=hs']]
    assert found['reload'] is True and found['runtime'] == []
    assert ['firewall-cmd', '--permanent', '--ipset=hs', '--add-entry=192.0.2.10'] in found['permanent']
    assert ['firewall-cmd', '--permanent', '--policy=hs', '--add-ingress-zone=ANY'] in found['permanent']
    assert ['firewall-cmd', '--permanent', '--policy=hs', '--add-egress-zone=HOST'] in found['permanent']
    assert ['firewall-cmd', '--permanent', '--policy=hs',
            '--add-rich-rule=rule source ipset="hs" port port="2377" protocol="tcp" accept',
            '--add-rich-rule=rule source ipset="hs-v6" port port="2377" protocol="tcp" accept'] in found['permanent']


def test_firewalld_settled_changes_nothing_and_a_node_gone_is_removed_from_both_configurations():
    ports = [{'proto': 'udp', 'port': 4789}, {'proto': 'esp', 'port': 0}]
    rules = plan.firewalld_rich_rules(['hs', 'hs-v6'], ports)
    settled = {'ipsets': ['hs', 'hs-v6'], 'policies': ['hs'], 'entries': {'hs': ['192.0.2.10'], 'hs-v6': []},
               'ingress': ['ANY'], 'egress': ['HOST'], 'rules': rules}
    found = plan.firewalld_plan(firewalld_reading({'runtime': settled, 'permanent': settled}),
                                'hs', 'hs-v6', 'hs', ['192.0.2.10'], [], ports)
    assert found == {'create': [], 'reload': False, 'permanent': [], 'runtime': []}
    assert 'rule source ipset="hs" protocol value="esp" accept' in rules

    stale = dict(settled, entries={'hs': ['192.0.2.10', '192.0.2.99'], 'hs-v6': []}, ingress=['ANY', 'public'])
    found = plan.firewalld_plan(firewalld_reading({'runtime': stale, 'permanent': stale}),
                                'hs', 'hs-v6', 'hs', ['192.0.2.10'], [], ports)
    for mode, flag in (('permanent', ['--permanent']), ('runtime', [])):
        assert found[mode] == [['firewall-cmd'] + flag + ['--ipset=hs', '--remove-entry=192.0.2.99'],
                               ['firewall-cmd'] + flag + ['--policy=hs', '--remove-ingress-zone=public']]


# nftables ----------------------------------------------------------------------------------------

def chain(name, table='filter', family='inet', policy='accept', hook='input'):
    return {'chain': {'family': family, 'table': table, 'name': name, 'handle': 1, 'type': 'filter', 'hook': hook,
                      'prio': 0, 'policy': policy}}


def rule(chain_name, handle, expr, table='filter', family='inet', comment=None):
    item = {'family': family, 'table': table, 'chain': chain_name, 'handle': handle, 'expr': expr}
    if comment:
        item['comment'] = comment
    return {'rule': item}


ACCEPT_SSH = [{'match': {'op': '==', 'left': {'payload': {'protocol': 'tcp', 'field': 'dport'}}, 'right': 22}},
              {'accept': None}]
DROP = [{'drop': None}]
OWN_JUMP = [{'jump': {'target': 'homelab_swarm'}}]


def test_nft_targets_are_the_input_chains_that_can_drop():
    ruleset = [
        {'metainfo': {'json_schema_version': 1}},
        chain('input', policy='drop'),                                   # policy drop
        chain('input2'), rule('input2', 3, ACCEPT_SSH), rule('input2', 4, DROP),  # a drop rule
        chain('open'), rule('open', 5, ACCEPT_SSH), rule('open', 6, OWN_JUMP),    # only our jump: not filtering
        chain('output', hook='output', policy='drop'),                   # not the input hook
        chain('filter_IN', table='firewalld', policy='drop'),            # firewalld's own table
        chain('INPUT', family='ip', policy='drop'),                      # iptables-nft
    ]
    assert plan.nft_targets(ruleset, [], 'homelab_swarm') == [
        {'family': 'inet', 'table': 'filter', 'chain': 'input'},
        {'family': 'inet', 'table': 'filter', 'chain': 'input2'}]
    wanted = [{'family': 'ip', 'table': 'mine', 'chain': 'in', 'extra': 1}]
    assert plan.nft_targets(ruleset, wanted, 'homelab_swarm') == [{'family': 'ip', 'table': 'mine', 'chain': 'in'}]


def test_nft_first_run_writes_both_families_and_puts_the_jump_first():
    ruleset = [chain('input', policy='drop'), rule('input', 3, ACCEPT_SSH), rule('input', 4, DROP)]
    targets = plan.nft_targets(ruleset, [], 'homelab_swarm')
    found = plan.nft_plan(ruleset, targets, 'homelab_swarm', ['192.0.2.10'], ['2001:db8::5'],
                          WORKER_PORTS, COMMENT, '/etc/nftables.d/hs.nft')
    assert found['missing'] == [] and found['live_ok'] is False
    table = found['tables'][0]
    assert [s['name'] for s in table['sets']] == ['homelab_swarm_nodes4', 'homelab_swarm_nodes6']
    assert table['rules'][0] == {'statement': 'ip saddr @homelab_swarm_nodes4 tcp dport 7946 accept',
                                 'comment': 'homelab.swarm 7946/tcp ipv4'}
    assert len(table['rules']) == 6
    insert = 'insert rule inet filter input jump homelab_swarm comment "homelab.swarm"'
    assert found['script'] == ['include "/etc/nftables.d/hs.nft"', insert]
    assert found['boot'] == ['include "/etc/nftables.d/hs.nft"', insert]


def live_ruleset(jump_after_drop=False, elements=('192.0.2.10',)):
    ports = WORKER_PORTS
    own_rules = [rule('homelab_swarm', 20 + index, [], comment='homelab.swarm %s/%s ipv4' % (p['port'], p['proto']))
                 for index, p in enumerate(ports)]
    input_rules = [rule('input', 3, ACCEPT_SSH), rule('input', 4, DROP)]
    jump = rule('input', 9, OWN_JUMP, comment=COMMENT)
    input_rules = input_rules + [jump] if jump_after_drop else [jump] + input_rules
    return [chain('input', family='ip', policy='drop'), chain('homelab_swarm', family='ip', hook=None)] \
        + [{'set': {'family': 'ip', 'table': 'filter', 'name': 'homelab_swarm_nodes4', 'type': 'ipv4_addr',
                    'elem': list(elements)}}] \
        + [dict(r, rule=dict(r['rule'], family='ip')) for r in input_rules + own_rules]


def test_nft_settled_ruleset_needs_nothing_but_a_jump_behind_a_drop_is_moved():
    ports = WORKER_PORTS
    targets = [{'family': 'ip', 'table': 'filter', 'chain': 'input'}]
    found = plan.nft_plan(live_ruleset(), targets, 'homelab_swarm', ['192.0.2.10'], [], ports, COMMENT, '/f.nft')
    assert found['live_ok'] is True
    assert [s['name'] for s in found['tables'][0]['sets']] == ['homelab_swarm_nodes4']

    found = plan.nft_plan(live_ruleset(jump_after_drop=True), targets, 'homelab_swarm', ['192.0.2.10'], [], ports,
                          COMMENT, '/f.nft')
    assert found['live_ok'] is False
    assert found['script'][-2:] == ['delete rule ip filter input handle 9',
                                    'insert rule ip filter input jump homelab_swarm comment "homelab.swarm"']

    found = plan.nft_plan(live_ruleset(elements=('192.0.2.10', '192.0.2.99')), targets, 'homelab_swarm',
                          ['192.0.2.10'], [], ports, COMMENT, '/f.nft')
    assert found['live_ok'] is False and found['script'] == ['include "/f.nft"']


def test_nft_leftovers_of_a_table_that_no_longer_filters_are_deleted_and_missing_chains_named():
    ports = WORKER_PORTS
    found = plan.nft_plan(live_ruleset(), [{'family': 'inet', 'table': 'other', 'chain': 'in'}], 'homelab_swarm',
                          ['192.0.2.10'], [], ports, COMMENT, '/f.nft')
    assert found['missing'] == ['inet other in']
    assert found['script'][:3] == ['delete rule ip filter input handle 9', 'delete chain ip filter homelab_swarm',
                                   'delete set ip filter homelab_swarm_nodes4']
    found = plan.nft_plan(live_ruleset(), [], 'homelab_swarm', [], [], ports, COMMENT, '/f.nft')
    assert found['tables'] == [] and 'include "/f.nft"' not in found['script']
