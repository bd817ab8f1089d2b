# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plans of the swarm_firewall role: which addresses and ports to open, and what to add to and
remove from ufw, firewalld and nftables so that they hold exactly the role's rules. Pure functions
of what the hosts reported; the role's tasks carry them out (plugins/filter/swarm_firewall.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

VERDICT_KEYS = ('drop', 'reject', 'jump', 'goto')


def _ip(text):
    try:
        return ipaddress.ip_address(u'%s' % text)
    except ValueError:
        return None


def node_addresses(hosts, hostvars):
    """The address each host reaches the others from ('' when unknown): its swarm_advertise_addr when
    that is an IP address; the IPv4 address of the interface it names when it is an interface name
    (Docker accepts both); otherwise the address of the interface holding the default route, which is
    what swarm_manager and swarm_worker advertise."""
    found = {}
    for host in hosts or []:
        variables = hostvars[host]
        advertised = u'%s' % (variables.get('swarm_advertise_addr') or '')
        advertised = advertised.strip().lower()
        facts = variables.get('ansible_facts') or {}
        interface = facts.get(advertised.replace('-', '_')) if advertised else None
        if _ip(advertised):
            address = advertised
        elif isinstance(interface, dict) and (interface.get('ipv4') or {}).get('address'):
            address = interface['ipv4']['address']
        else:
            address = (facts.get('default_ipv4') or {}).get('address') or ''
        found[host] = address
    return found


def split_addresses(addresses):
    """The IPv4 and the IPv6 addresses among addresses, each sorted and without duplicates."""
    parsed = [_ip(text) for text in addresses or [] if text]
    nodes4 = sorted(set(str(ip) for ip in parsed if ip and ip.version == 4))
    nodes6 = sorted(set(str(ip) for ip in parsed if ip and ip.version == 6))
    return nodes4, nodes6


# ufw ---------------------------------------------------------------------------------------------

def ufw_plan(tuple_lines, nodes, ports, comment, active):
    """What to change in ufw, from the `### tuple ###` lines of /etc/ufw/user.rules and user6.rules:
        ### tuple ### allow tcp 2377 0.0.0.0/0 any 192.0.2.10 in comment=<comment, hex-encoded>
    The role's rules are the allow rules whose comment is `comment`. A rule the admin already has for
    the same protocol, port and source (another comment, or none) is kept and not added again.
    Returns enable (ufw is not active yet), add and remove: rules as community.general.ufw takes
    them (proto, from_ip, to_port when the protocol has ports; comment on the ones to add)."""
    own_comment = 'comment=' + comment.encode('utf-8').hex()
    existing = {}
    for line in tuple_lines or []:
        field = line.split()
        if len(field) >= 10 and field[3] == 'allow' and field[6] in ('0.0.0.0/0', '::/0') and field[7] == 'any' \
                and field[9] == 'in':
            key = (field[4], field[5], field[8])
            ours = own_comment in field[10:]
            existing[key] = existing.get(key, False) or ours
    wanted = []
    for address in nodes or []:
        for rule in ports:
            wanted.append((rule['proto'], str(rule['port']) if rule['port'] else 'any', address))

    def as_rule(key, with_comment):
        proto, port, source = key
        rule = {'proto': proto, 'from_ip': source}
        if port != 'any':
            rule['to_port'] = port
        if with_comment:
            rule['comment'] = comment
        return rule

    return {
        'enable': not active,
        'add': [as_rule(key, True) for key in wanted if key not in existing],
        'remove': [as_rule(key, False) for key, ours in existing.items() if ours and key not in wanted],
    }


# firewalld ---------------------------------------------------------------------------------------

def firewalld_sections(lines):
    """The sections of the role's firewalld reading ("== runtime ipsets", then one value a line)."""
    sections = {}
    key = None
    for line in lines or []:
        if line.startswith('== '):
            key = line[3:]
            sections[key] = []
        elif line.strip() and key is not None:
            sections[key].append(line.strip())
    return sections


def firewalld_rich_rules(ipsets, ports):
    rules = []
    for ipset in ipsets:
        for rule in ports:
            if rule['proto'] == 'esp':
                rules.append('rule source ipset="%s" protocol value="esp" accept' % ipset)
            else:
                rules.append('rule source ipset="%s" port port="%s" protocol="%s" accept' % (ipset, rule['port'], rule['proto']))
    return rules


def _sync(command, kind, wanted, present):
    """One firewall-cmd command adding what is missing (--add-<kind>=), one removing the rest."""
    add = [value for value in wanted if value not in present]
    remove = [value for value in present if value not in wanted]
    return ([command + ['--add-%s=%s' % (kind, value) for value in add]] if add else []) \
        + ([command + ['--remove-%s=%s' % (kind, value) for value in remove]] if remove else [])


def firewalld_plan(state_lines, ipset4, ipset6, policy, nodes4, nodes6, ports):
    """The firewall-cmd commands that make firewalld's runtime and permanent configurations hold the
    role's two ipsets (node addresses), its policy (ingress zone ANY, egress zone HOST) and the policy's
    rich rules accepting the swarm ports from the ipsets, from the sections firewalld_sections reads.
    create: new ipsets and policy (permanent); reload: they are missing at runtime, which only a
    reload brings (it makes runtime the permanent configuration, so no runtime commands then)."""
    found = firewalld_sections(state_lines)
    ipsets = [(ipset4, list(nodes4 or [])), (ipset6, list(nodes6 or []))]
    create = []
    permanent_ipsets = found.get('permanent ipsets', [])
    if ipset4 not in permanent_ipsets:
        create.append(['firewall-cmd', '--permanent', '--new-ipset=' + ipset4, '--type=hash:ip'])
    if ipset6 not in permanent_ipsets:
        create.append(['firewall-cmd', '--permanent', '--new-ipset=' + ipset6, '--type=hash:ip', '--option=family=inet6'])
    if policy not in found.get('permanent policies', []):
        create.append(['firewall-cmd', '--permanent', '--new-policy=' + policy])
    reload = any(ipset not in found.get('runtime ipsets', []) for ipset in (ipset4, ipset6)) \
        or policy not in found.get('runtime policies', [])
    wanted_rules = firewalld_rich_rules([ipset4, ipset6], ports)
    plan = {'create': create, 'reload': reload, 'permanent': [], 'runtime': []}
    for mode in ('permanent', 'runtime'):
        if mode == 'runtime' and reload:
            continue
        flag = ['--permanent'] if mode == 'permanent' else []
        commands = []
        for ipset, wanted in ipsets:
            commands += _sync(['firewall-cmd'] + flag + ['--ipset=' + ipset], 'entry', wanted,
                              found.get('%s entries %s' % (mode, ipset), []))
        for direction, zone in (('ingress', 'ANY'), ('egress', 'HOST')):
            present = found.get('%s %s' % (mode, direction), [])
            if zone not in present:
                commands.append(['firewall-cmd'] + flag + ['--policy=' + policy, '--add-%s-zone=%s' % (direction, zone)])
            for other in present:
                if other != zone:
                    commands.append(['firewall-cmd'] + flag + ['--policy=' + policy, '--remove-%s-zone=%s' % (direction, other)])
        commands += _sync(['firewall-cmd'] + flag + ['--policy=' + policy], 'rich-rule', wanted_rules,
                          found.get(mode + ' rules', []))
        plan[mode] = commands
    return plan


# nftables ----------------------------------------------------------------------------------------

def _items(ruleset, kind):
    return [item[kind] for item in ruleset or [] if isinstance(item, dict) and kind in item]


def _has_key(value, keys):
    """Whether a key of keys appears anywhere in a rule's JSON expression."""
    if isinstance(value, dict):
        return any(key in keys or _has_key(inner, keys) for key, inner in value.items())
    if isinstance(value, list):
        return any(_has_key(inner, keys) for inner in value)
    return False


def _jumps_to(value, chain):
    """Whether a rule's JSON expression jumps or goes to chain."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ('jump', 'goto') and isinstance(inner, dict) and inner.get('target') == chain:
                return True
            if _jumps_to(inner, chain):
                return True
    elif isinstance(value, list):
        return any(_jumps_to(inner, chain) for inner in value)
    return False


def _where(item):
    return (item.get('family'), item.get('table'))


def nft_targets(ruleset, wanted_chains, own_chain):
    """The chains to open the ports in, as {family, table, chain}: wanted_chains when given; else every
    base chain of `nft -j list ruleset` on the input hook that can drop (policy drop, or a drop,
    reject, jump or goto rule, the role's own jump aside), but firewalld's table (handled through
    firewalld) and the INPUT chains of iptables-nft (ufw, Docker and iptables rules live there)."""
    if wanted_chains:
        return [{'family': chain['family'], 'table': chain['table'], 'chain': chain['chain']} for chain in wanted_chains]
    rules = _items(ruleset, 'rule')
    targets = []
    for chain in _items(ruleset, 'chain'):
        if chain.get('hook') != 'input' or chain.get('type') != 'filter':
            continue
        if (chain.get('family') == 'inet' and chain.get('table') == 'firewalld') \
                or (chain.get('family') in ('ip', 'ip6') and chain.get('name') == 'INPUT'):
            continue
        verdicts = [rule for rule in rules
                    if _where(rule) == _where(chain) and rule.get('chain') == chain.get('name')
                    and not _jumps_to(rule.get('expr'), own_chain) and _has_key(rule.get('expr'), VERDICT_KEYS)]
        if chain.get('policy', 'accept') == 'drop' or verdicts:
            targets.append({'family': chain['family'], 'table': chain['table'], 'chain': chain['name']})
    return targets


def nft_plan(ruleset, targets, name, nodes4, nodes6, ports, comment, rules_file):
    """What nftables must hold in each target's table, and the script that gets it there in one
    transaction. The role owns, in each table: the sets <name>_nodes4 / _nodes6 (node addresses, per
    the table's family), the chain <name> (the swarm port rules) and one `jump <name>` rule at the top
    of each target chain, ahead of its first rule that can drop.
    Returns tables (for the rules file), missing (target chains that do not exist), live_ok (the
    running ruleset holds it all already), script (leftovers removed, the rules file included, jumps
    put back in place) and boot (the lines that load it all after the boot ruleset)."""
    sets = _items(ruleset, 'set')
    chains = _items(ruleset, 'chain')
    rules = _items(ruleset, 'rule')
    missing = ['%s %s %s' % (target['family'], target['table'], target['chain']) for target in targets
               if not any(_where(chain) == _where(target) and chain.get('name') == target['chain'] for chain in chains)]
    tables = []
    live_ok = True
    for target in targets:
        if any(_where(table) == _where(target) for table in tables):
            continue
        versions = (['4'] if target['family'] in ('inet', 'ip') else []) + (['6'] if target['family'] in ('inet', 'ip6') else [])
        wanted_sets = []
        wanted_rules = []
        for version in versions:
            set_name = '%s_nodes%s' % (name, version)
            wanted_sets.append({'name': set_name, 'type': 'ipv%s_addr' % version,
                                'elements': list(nodes4 if version == '4' else nodes6)})
            for port in ports:
                match = 'meta l4proto esp' if port['proto'] == 'esp' else '%s dport %s' % (port['proto'], port['port'])
                wanted_rules.append({
                    'statement': '%s saddr @%s %s accept' % ('ip' if version == '4' else 'ip6', set_name, match),
                    'comment': '%s %s ipv%s' % (comment, 'esp' if port['proto'] == 'esp' else '%s/%s' % (port['port'], port['proto']),
                                                version)})
        for wanted in wanted_sets:
            live = [item for item in sets if _where(item) == _where(target) and item.get('name') == wanted['name']]
            elements = sorted((u'%s' % element).lower() for element in (live[0].get('elem') or [])) if live else None
            if elements != sorted(wanted['elements']):
                live_ok = False
        live_comments = [rule.get('comment', '') for rule in rules if _where(rule) == _where(target) and rule.get('chain') == name]
        if live_comments != [rule['comment'] for rule in wanted_rules]:
            live_ok = False
        tables.append({'family': target['family'], 'table': target['table'], 'sets': wanted_sets, 'rules': wanted_rules})

    target_chains = ['%s %s %s' % (target['family'], target['table'], target['chain']) for target in targets]
    stale = ['delete rule %s %s %s handle %s' % (rule['family'], rule['table'], rule['chain'], rule['handle'])
             for rule in rules if _jumps_to(rule.get('expr'), name)
             and '%s %s %s' % (rule['family'], rule['table'], rule['chain']) not in target_chains]
    stale += ['delete chain %s %s %s' % (chain['family'], chain['table'], name) for chain in chains
              if chain.get('name') == name and not any(_where(table) == _where(chain) for table in tables)]
    stale += ['delete set %s %s %s' % (item['family'], item['table'], item['name']) for item in sets
              if item.get('name') in (name + '_nodes4', name + '_nodes6') and not any(_where(table) == _where(item) for table in tables)]
    include = 'include "%s"' % rules_file
    script = stale + ([include] if tables else [])

    fixes = []
    boot = [include]
    for target in targets:
        chain_rules = [rule for rule in rules if _where(rule) == _where(target) and rule.get('chain') == target['chain']]
        own = []
        blocker = None
        for index, rule in enumerate(chain_rules):
            if _jumps_to(rule.get('expr'), name):
                own.append((index, rule['handle']))
            elif blocker is None and _has_key(rule.get('expr'), VERDICT_KEYS):
                blocker = index
        insert = 'insert rule %s %s %s jump %s comment "%s"' % (target['family'], target['table'], target['chain'], name, comment)
        boot.append(insert)
        if len(own) != 1 or (blocker is not None and own[0][0] > blocker):
            fixes += ['delete rule %s %s %s handle %s' % (target['family'], target['table'], target['chain'], handle)
                      for _index, handle in own]
            fixes.append(insert)
    return {
        'tables': tables,
        'missing': missing,
        'live_ok': live_ok and not stale and not fixes,
        'script': script + fixes,
        'boot': boot,
    }
