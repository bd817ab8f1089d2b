# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What Docker would refuse at create or deploy time, or what can never converge, found on the
controller before any host changes.

Each rule returns messages naming where the problem is, the key, the bad value and what would be
valid; never a secret's value. The rules follow Docker's own checks: the compose 3.x schema of the
docker CLI (cli/compose/schema), its converters (cli/compose/convert: durations, memory sizes,
ports), swarmkit's spec validation (api/validation: restart conditions, update orders, failure
actions, placement preferences) and the daemon's configuration reader (daemon/config).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

# Go's time.ParseDuration, which compose durations go through: 1h30m, 2.5s, 300ms.
DURATION = re.compile(r'^[+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|\u00b5s|ms|s|m|h)'
                      r'(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|\u00b5s|ms|s|m|h))*$')
# go-units RAMInBytes: 512m, 1.5g, 1024, 2GiB.
MEMORY = re.compile(r'^[0-9]+(?:\.[0-9]+)? ?(?:[kmgtp]i?)?b?$', re.IGNORECASE)
CONSTRAINT = re.compile(r'^\s*(node|engine)\.(\S+?)\s*(==|!=)\s*(\S.*?)\s*$')
CONSTRAINT_FIELDS = re.compile(r'^(id|hostname|role|platform\.os|platform\.arch|labels\.\S+)$')
IMAGE = re.compile(r'^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*'
                   r'(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[0-9a-fA-F]{32,})?$')
NETWORK_NAME = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]*$')
LABEL_KEY = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9._/-]*$')

SERVICE_MODES = ('replicated', 'global', 'replicated-job', 'global-job')
ENDPOINT_MODES = ('vip', 'dnsrr')
RESTART_CONDITIONS = ('none', 'on-failure', 'any')
UPDATE_ORDERS = ('start-first', 'stop-first')
FAILURE_ACTIONS = ('continue', 'pause', 'rollback')
ROLLBACK_FAILURE_ACTIONS = ('continue', 'pause')
PORT_PROTOCOLS = ('tcp', 'udp', 'sctp')
PORT_MODES = ('host', 'ingress')
PREFERENCE_STRATEGIES = ('spread',)
NODE_AVAILABILITY = ('active', 'pause', 'drain')
NETWORK_STATES = ('present', 'absent')
NETWORK_KEYS = frozenset(('name', 'subnet', 'gateway', 'ip_range', 'attachable', 'internal', 'encrypted', 'labels',
                          'state'))


def _text(value):
    return u'%s' % (value,)


def unresolved(value):
    """A value with a ${VAR} in it: known only once the deploy substitutes it, so not checked here."""
    return isinstance(value, str) and '${' in value


def _is_duration(value):
    return isinstance(value, str) and bool(DURATION.match(value.strip()))


def _duration(where, key, value, found):
    if value is not None and not unresolved(value) and not _is_duration(value):
        found.append('%s: %s %r is not a duration (Go syntax: 10s, 1m30s, 500ms)' % (where, key, value))


def _choice(where, key, value, choices, found):
    if value is not None and not unresolved(value) and value not in choices:
        found.append('%s: %s %r is not one of %s' % (where, key, value, ', '.join(choices)))


def _scalar_mapping(where, key, value, found):
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, (dict, list)):
                found.append('%s: %s %s must be a string, number or boolean, not a %s'
                             % (where, key, name, 'mapping' if isinstance(item, dict) else 'list'))


def parse_port(port):
    """A port of a service as (target, published, protocol, mode); raises ValueError when it cannot be read."""
    if isinstance(port, dict):
        target = int(port['target'])
        published = port.get('published')
        published = int(published) if published not in (None, '') else None
        return target, published, port.get('protocol', 'tcp'), port.get('mode', 'ingress')
    text = _text(port)
    protocol = 'tcp'
    if '/' in text:
        text, protocol = text.rsplit('/', 1)
    fields = text.split(':')
    if len(fields) == 1:
        return int(fields[0]), None, protocol, 'ingress'
    published, target = fields[-2], fields[-1]
    if '-' in published or '-' in target:
        # A range: the first ports stand for it.
        published, target = published.split('-')[0], target.split('-')[0]
    return int(target), int(published) if published else None, protocol, 'ingress'


def service_problems(name, service):
    """One compose service (the final document's form): what Docker would refuse."""
    where = 'service %s' % name
    found = []
    image = service.get('image')
    if isinstance(image, str) and '${' not in image and '{{' not in image and not IMAGE.match(image):
        found.append('%s: image %r is not a valid image reference (name[:tag][@digest], lower case)' % (where, image))
    _duration(where, 'stop_grace_period', service.get('stop_grace_period'), found)
    healthcheck = service.get('healthcheck') or {}
    if isinstance(healthcheck, dict):
        for key in ('interval', 'timeout', 'start_period', 'start_interval'):
            _duration(where, 'healthcheck.' + key, healthcheck.get(key), found)
        test = healthcheck.get('test')
        if isinstance(test, list) and test and test[0] not in ('NONE', 'CMD', 'CMD-SHELL'):
            found.append('%s: healthcheck.test must start with CMD, CMD-SHELL or NONE, not %r' % (where, test[0]))
        retries = healthcheck.get('retries')
        if retries is not None and (not isinstance(retries, int) or isinstance(retries, bool) or retries < 0):
            found.append('%s: healthcheck.retries %r is not a whole number' % (where, retries))
    deploy = service.get('deploy') or {}
    if not isinstance(deploy, dict):
        return found
    mode = deploy.get('mode', 'replicated')
    _choice(where, 'deploy.mode', mode, SERVICE_MODES, found)
    _choice(where, 'deploy.endpoint_mode', deploy.get('endpoint_mode'), ENDPOINT_MODES, found)
    replicas = deploy.get('replicas')
    if replicas is not None and not unresolved(replicas):
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            found.append('%s: deploy.replicas %r is not a whole number of 0 or more' % (where, replicas))
        elif mode in ('global', 'global-job'):
            found.append('%s: deploy.replicas is set on a %s service, which runs one task per node' % (where, mode))
    _scalar_mapping(where, 'deploy.labels', deploy.get('labels'), found)
    _scalar_mapping(where, 'labels', service.get('labels'), found)
    _scalar_mapping(where, 'environment', service.get('environment'), found)
    restart = deploy.get('restart_policy') or {}
    _choice(where, 'deploy.restart_policy.condition', restart.get('condition'), RESTART_CONDITIONS, found)
    for key in ('delay', 'window'):
        _duration(where, 'deploy.restart_policy.' + key, restart.get(key), found)
    for block, actions in (('update_config', FAILURE_ACTIONS), ('rollback_config', ROLLBACK_FAILURE_ACTIONS)):
        config = deploy.get(block) or {}
        if not isinstance(config, dict):
            continue
        _choice(where, 'deploy.%s.order' % block, config.get('order'), UPDATE_ORDERS, found)
        _choice(where, 'deploy.%s.failure_action' % block, config.get('failure_action'), actions, found)
        for key in ('delay', 'monitor'):
            _duration(where, 'deploy.%s.%s' % (block, key), config.get(key), found)
        ratio = config.get('max_failure_ratio')
        if ratio is not None and not (isinstance(ratio, (int, float)) and 0 <= ratio <= 1):
            found.append('%s: deploy.%s.max_failure_ratio %r is not between 0 and 1' % (where, block, ratio))
    resources = deploy.get('resources') or {}
    for kind in ('limits', 'reservations'):
        limits = resources.get(kind) or {}
        if not isinstance(limits, dict):
            continue
        memory = limits.get('memory')
        if memory is not None and not unresolved(memory) and not MEMORY.match(_text(memory).strip()):
            found.append('%s: deploy.resources.%s.memory %r is not a size Docker can read (512M, 1.5G, 1024)'
                         % (where, kind, memory))
        cpus = limits.get('cpus')
        if cpus is not None and not unresolved(cpus):
            try:
                if float(cpus) <= 0:
                    raise ValueError
            except ValueError:
                found.append('%s: deploy.resources.%s.cpus %r is not a number of CPUs above 0' % (where, kind, cpus))
    placement = deploy.get('placement') or {}
    for constraint in placement.get('constraints') or []:
        if unresolved(constraint):
            continue
        match = CONSTRAINT.match(_text(constraint))
        if not match or (match.group(1) == 'node' and not CONSTRAINT_FIELDS.match(match.group(2))):
            found.append('%s: placement constraint %r is not valid (node.hostname == x, node.role != manager, '
                         'node.labels.key == value, node.platform.os == linux, engine.labels.key == value)'
                         % (where, constraint))
    for preference in placement.get('preferences') or []:
        if not isinstance(preference, dict) or len(preference) != 1:
            found.append('%s: placement preference %r must be one strategy: {spread: node.labels.zone}' % (where, preference))
            continue
        strategy = list(preference)[0]
        if strategy not in PREFERENCE_STRATEGIES:
            found.append('%s: placement preference strategy %r is not known (valid: spread)' % (where, strategy))
    per_node = placement.get('max_replicas_per_node')
    if per_node is not None and mode in ('global', 'global-job'):
        found.append('%s: placement.max_replicas_per_node is set on a %s service' % (where, mode))
    dnsrr = deploy.get('endpoint_mode') == 'dnsrr'
    seen_ports = {}
    for port in service.get('ports') or []:
        if any(unresolved(v) for v in (port.values() if isinstance(port, dict) else [port])):
            continue
        try:
            target, published, protocol, port_mode = parse_port(port)
        except (ValueError, KeyError, TypeError):
            found.append('%s: port %r cannot be read (8080:80, 80/udp, or {target, published, protocol, mode})'
                         % (where, port))
            continue
        _choice(where, 'port protocol', protocol, PORT_PROTOCOLS, found)
        _choice(where, 'port mode', port_mode, PORT_MODES, found)
        for number in (target, published):
            if number is not None and not 1 <= number <= 65535:
                found.append('%s: port %r is outside 1-65535' % (where, number))
        if dnsrr and port_mode == 'ingress' and published is not None:
            found.append('%s: port %s is published in ingress mode, which Docker refuses with endpoint_mode dnsrr: '
                         'publish it with mode: host' % (where, published))
        if published is not None:
            key = (published, protocol)
            if key in seen_ports:
                found.append('%s: port %s/%s is published twice' % (where, published, protocol))
            seen_ports[key] = True
    for kind in ('secrets', 'configs'):
        targets = {}
        for ref in service.get(kind) or []:
            source = ref.get('source') if isinstance(ref, dict) else ref
            target = (ref.get('target') if isinstance(ref, dict) else None) or source
            if kind == 'secrets' and not _text(target).startswith('/'):
                target = '/run/secrets/' + _text(target)
            elif kind == 'configs' and not _text(target).startswith('/'):
                target = '/' + _text(target)
            if target in targets:
                found.append('%s: %s %s and %s are both mounted at %s' % (where, kind[:-1], targets[target], source, target))
            targets[target] = source
    return found


def ingress_ports(document):
    """(service, port, protocol) for each port a stack document publishes through the ingress mesh."""
    for name, service in (document.get('services') or {}).items():
        for port in service.get('ports') or []:
            try:
                _target, number, protocol, mode = parse_port(port)
            except (ValueError, KeyError, TypeError):
                continue
            if number is not None and mode == 'ingress':
                yield name, number, protocol


def stack_problems(document):
    """Services against each other in one stack document."""
    found = []
    published = {}
    for name, number, protocol in ingress_ports(document):
        key = (number, protocol)
        if key in published and published[key] != name:
            found.append('services %s and %s both publish port %s/%s through the ingress mesh'
                         % (published[key], name, number, protocol))
        published.setdefault(key, name)
    for name, network in (document.get('networks') or {}).items():
        network = network or {}
        if network.get('external'):
            continue
        driver = network.get('driver', 'overlay')
        if driver not in ('overlay',):
            found.append('network %s: driver %r cannot span the swarm\'s nodes (use overlay)' % (name, driver))
        for entry in ((network.get('ipam') or {}).get('config') or []):
            for key in ('subnet', 'ip_range'):
                if key in entry:
                    try:
                        ipaddress.ip_network(_text(entry[key]), strict=True)
                    except ValueError as error:
                        found.append('network %s: ipam %s %r is not a network address: %s' % (name, key, entry[key], error))
    return found


def published_ports(document, stack):
    """(port, protocol) -> stack_service for the ingress ports of a stack document."""
    return dict(((number, protocol), '%s_%s' % (stack, name)) for name, number, protocol in ingress_ports(document))


def _constraint_matches(constraint, node):
    match = CONSTRAINT.match(_text(constraint))
    if not match or match.group(1) != 'node':
        return True
    field, operator, value = match.group(2), match.group(3), match.group(4).strip('"\'')
    if field == 'hostname':
        actual = node.get('hostname')
    elif field == 'role':
        actual = node.get('role')
    elif field.startswith('labels.'):
        actual = (node.get('labels') or {}).get(field[len('labels.'):])
        actual = None if actual is None else _text(actual).lower() if isinstance(actual, bool) else _text(actual)
    else:
        return True
    if actual is None and field == 'hostname':
        return True  # not known here (no facts): assume it matches
    return (actual == value) if operator == '==' else (actual != value)


def inventory_notices(document, stack, nodes):
    """What is valid but can probably never be met by the inventory's nodes.

    nodes: [{name, hostname (None when unknown), role (manager or worker), labels, availability}].
    """
    notices = []
    if not nodes:
        return notices
    active = [node for node in nodes if node.get('availability', 'active') == 'active']
    for name, service in (document.get('services') or {}).items():
        where = 'service %s_%s' % (stack, name)
        deploy = service.get('deploy') or {}
        placement = deploy.get('placement') or {}
        constraints = placement.get('constraints') or []
        eligible = [node for node in active if all(_constraint_matches(c, node) for c in constraints)]
        if constraints and not eligible:
            notices.append('%s: no inventory node (active) satisfies its constraints %s: its tasks would stay pending'
                           % (where, ', '.join(_text(c) for c in constraints)))
            continue
        mode = deploy.get('mode', 'replicated')
        replicas = deploy.get('replicas', 1) if mode == 'replicated' else None
        per_node = placement.get('max_replicas_per_node')
        if isinstance(replicas, int) and per_node and replicas > per_node * len(eligible):
            notices.append('%s: %d replicas at most %d per node need %d nodes, and %d can take them'
                           % (where, replicas, per_node, -(-replicas // per_node), len(eligible)))
        host_ports = []
        for port in service.get('ports') or []:
            try:
                _target, number, _protocol, port_mode = parse_port(port)
            except (ValueError, KeyError, TypeError):
                continue
            if port_mode == 'host' and number is not None:
                host_ports.append(number)
        if host_ports and isinstance(replicas, int) and replicas > len(eligible) and not per_node:
            notices.append('%s: %d replicas publish host port %s, which only one task per node can bind, on %d '
                           'nodes: give it max_replicas_per_node: 1 or fewer replicas'
                           % (where, replicas, host_ports[0], len(eligible)))
    return notices


def network_problems(overlays):
    """swarm_networks_overlays: names, addresses, and networks against each other."""
    found = []
    names = {}
    subnets = []
    for index, network in enumerate(overlays or []):
        if not isinstance(network, dict) or not network.get('name'):
            found.append('swarm_networks_overlays[%d]: needs a name' % index)
            continue
        name = _text(network['name'])
        where = 'network %s' % name
        if not NETWORK_NAME.match(name):
            found.append('%s: the name is not valid (letters, digits, _ . -, starting with a letter or digit)' % where)
        if name in names:
            found.append('%s: listed twice in swarm_networks_overlays' % where)
        names[name] = True
        unknown = sorted(set(network) - NETWORK_KEYS)
        if unknown:
            found.append('%s: unknown keys %s (valid: name, subnet, gateway, ip_range, attachable, internal, '
                         'encrypted, labels, state)' % (where, ', '.join(unknown)))
        _choice(where, 'state', network.get('state'), NETWORK_STATES, found)
        for key in ('attachable', 'internal', 'encrypted'):
            if key in network and not isinstance(network[key], bool):
                found.append('%s: %s %r must be true or false' % (where, key, network[key]))
        _scalar_mapping(where, 'labels', network.get('labels'), found)
        subnet = None
        if network.get('subnet'):
            try:
                subnet = ipaddress.ip_network(_text(network['subnet']), strict=True)
            except ValueError as error:
                found.append('%s: subnet %r is not a network address: %s' % (where, network['subnet'], error))
        if network.get('gateway'):
            try:
                gateway = ipaddress.ip_address(_text(network['gateway']))
                if subnet is not None and gateway not in subnet:
                    found.append('%s: gateway %s is not in its subnet %s' % (where, gateway, subnet))
            except ValueError:
                found.append('%s: gateway %r is not an address' % (where, network['gateway']))
            if subnet is None and not network.get('subnet'):
                found.append('%s: a gateway needs a subnet' % where)
        if network.get('ip_range'):
            try:
                ip_range = ipaddress.ip_network(_text(network['ip_range']), strict=True)
                if subnet is not None and not ip_range.subnet_of(subnet):
                    found.append('%s: ip_range %s is not inside its subnet %s' % (where, ip_range, subnet))
            except (ValueError, TypeError):
                found.append('%s: ip_range %r is not a network address' % (where, network['ip_range']))
        if subnet is not None and network.get('state', 'present') == 'present':
            for other, other_subnet in subnets:
                if subnet.version == other_subnet.version and subnet.overlaps(other_subnet):
                    found.append('%s: subnet %s overlaps %s of network %s' % (where, subnet, other_subnet, other))
            subnets.append((name, subnet))
    return found


def config_problems(configs, secrets, exists=None, max_name=51):
    """swarm_configs_configs and swarm_configs_secrets, never naming a secret's value."""
    found = []
    for kind, items in (('config', configs or []), ('secret', secrets or [])):
        seen = {}
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not item.get('name'):
                found.append('swarm_configs_%ss[%d]: needs a name' % (kind, index))
                continue
            name = _text(item['name'])
            where = '%s %s' % (kind, name)
            if not re.match(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,%d}$' % (max_name - 1), name):
                found.append('%s: the name must start with a letter or digit, hold only letters, digits, _ . - and be '
                             'at most %d characters long' % (where, max_name))
            if name in seen:
                found.append('%s: listed twice in swarm_configs_%ss' % (where, kind))
            seen[name] = True
            _scalar_mapping(where, 'labels', item.get('labels'), found)
            if kind == 'config':
                sources = [key for key in ('content', 'src', 'template') if key in item]
                if len(sources) != 1:
                    found.append('%s: needs exactly one of content, src and template (has %s)'
                                 % (where, ', '.join(sources) or 'none'))
                for key in ('src', 'template'):
                    if key in item and exists is not None and not exists(_text(item[key])):
                        found.append('%s: %s %s does not exist on the controller' % (where, key, item[key]))
            elif 'value' not in item or item['value'] is None:
                found.append('%s: needs a value (from Ansible Vault)' % where)
    return found


def node_problems(nodes):
    """Each host's swarm_node_labels and swarm_node_availability."""
    found = []
    for node in nodes or []:
        where = 'host %s' % node.get('name')
        labels = node.get('labels')
        if labels is not None and not isinstance(labels, dict):
            found.append('%s: swarm_node_labels must be a mapping of label names to values' % where)
            labels = {}
        for key, value in (labels or {}).items():
            if not LABEL_KEY.match(_text(key)):
                found.append('%s: swarm_node_labels key %r is not a valid label name' % (where, key))
            if isinstance(value, (dict, list)):
                found.append('%s: swarm_node_labels %s must be a string, number or boolean, not a %s'
                             % (where, key, 'mapping' if isinstance(value, dict) else 'list'))
        _choice(where, 'swarm_node_availability', node.get('availability'), NODE_AVAILABILITY, found)
    return found


# daemon.json keys whose value types the daemon checks when it starts (it refuses to start otherwise).
DAEMON_LISTS = ('insecure-registries', 'registry-mirrors', 'dns', 'dns-search', 'dns-opts', 'labels', 'hosts',
                'default-address-pools', 'allow-nondistributable-artifacts')
DAEMON_BOOLS = ('debug', 'live-restore', 'ipv6', 'experimental', 'icc', 'ip-forward', 'ip-masq', 'iptables',
                'userland-proxy', 'no-new-privileges', 'selinux-enabled')


def daemon_problems(host, options):
    """docker_daemon_options of one host, as the daemon would read its daemon.json."""
    where = 'host %s' % host
    found = []
    if options is None:
        return found
    if not isinstance(options, dict):
        return ['%s: docker_daemon_options must be a mapping (the content of daemon.json)' % where]
    for key in DAEMON_LISTS:
        if key in options and not isinstance(options[key], list):
            found.append('%s: docker_daemon_options %s must be a list, not %r' % (where, key, options[key]))
    for key in DAEMON_BOOLS:
        if key in options and not isinstance(options[key], bool):
            found.append('%s: docker_daemon_options %s must be true or false, not %r' % (where, key, options[key]))
    log_opts = options.get('log-opts')
    if log_opts is not None:
        if not isinstance(log_opts, dict):
            found.append('%s: docker_daemon_options log-opts must be a mapping' % where)
        else:
            for key, value in log_opts.items():
                if not isinstance(value, str):
                    found.append('%s: docker_daemon_options log-opts %s must be a string ("%s"): the daemon refuses '
                                 'to start on %r' % (where, key, _text(value).lower() if isinstance(value, bool)
                                                     else value, value))
    _choice(where, 'docker_daemon_options log-level', options.get('log-level'),
            ('debug', 'info', 'warn', 'error', 'fatal'), found)
    if 'bip' in options:
        try:
            ipaddress.ip_interface(_text(options['bip']))
        except ValueError:
            found.append('%s: docker_daemon_options bip %r is not an address with its prefix (172.26.0.1/16)'
                         % (where, options['bip']))
    for index, pool in enumerate(options.get('default-address-pools') or [] if isinstance(
            options.get('default-address-pools'), list) else []):
        if not isinstance(pool, dict) or 'base' not in pool or 'size' not in pool:
            found.append('%s: docker_daemon_options default-address-pools[%d] needs base and size' % (where, index))
            continue
        try:
            ipaddress.ip_network(_text(pool['base']), strict=True)
        except ValueError:
            found.append('%s: docker_daemon_options default-address-pools[%d] base %r is not a network'
                         % (where, index, pool['base']))
    return found
