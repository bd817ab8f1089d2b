# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: swarm_stack_plan
author: homelab.swarm maintainers (@homelab)
version_added: 0.1.0
short_description: Turn entries of swarm_stacks into the compose documents to deploy, and check them
description:
  - For each stack given, renders its C(compose) files as Jinja templates with the play's variables, parses and
    merges them in order (as C(docker stack deploy -c a.yml -c b.yml) does), or builds the document from its inventory
    C(services), then checks it.
  - Returns one plan per stack, with the document whose C(${VAR}) references are left for the deploy to substitute, the
    text of the file kept on the manager, the problems that must stop the run and the notices (warnings) to print.
  - With O(result=env), returns instead each stack's variables (its C(env_file) overlaid with its
    C(env)), for the deploy module's no_log option. Never put that result in a fact.
  - Relative compose and env file paths are looked up in the inventory directory (the one holding group_vars), then in
    the playbook's directory, then where Ansible's template lookup looks. A config's C(file:) is relative to its
    compose file, as with C(docker stack deploy). Files encrypted with Ansible Vault are decrypted.
options:
  _terms:
    description: Entries of swarm_stacks (mappings with a C(name)); lists of them are flattened.
    required: true
  result:
    description: What to return for each stack.
    type: str
    choices: [plan, env]
    default: plan
  config_names:
    description: Logical config name -> versioned name (swarm_configs_config_names).
    type: dict
    default: {}
  secret_names:
    description: Logical secret name -> versioned name (swarm_configs_secret_names).
    type: dict
    default: {}
  service_defaults:
    description: Settings merged under every inventory service definition.
    type: dict
    default: {}
  guarded_secrets:
    description: Secrets (name, value) whose values must never be written into a stack file.
    type: list
    elements: dict
    default: []
  overlay_networks:
    description: Names of the networks swarm_networks creates, which no stack may create too.
    type: list
    elements: str
    default: []
  nodes:
    description:
      - The inventory's nodes (P(homelab.swarm.swarm_nodes_view#filter)), to warn about placements they cannot
        meet.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Check the stacks
  ansible.builtin.assert:
    that: plans | map(attribute='problems') | flatten | length == 0
    fail_msg: "{{ plans | map(attribute='problems') | flatten | join(' ') }}"
  vars:
    plans: "{{ query('homelab.swarm.swarm_stack_plan', swarm_stacks) }}"
"""

RETURN = r"""
_list:
  description: One plan per stack (or, with O(result=env), one mapping of variables per stack).
  type: list
  elements: dict
  contains:
    name: {description: The stack's name., type: str}
    state: {description: V(present) or V(absent)., type: str}
    document: {description: "The compose document, variables unsubstituted; null for an absent stack.", type: dict}
    text: {description: The YAML of the file kept on the manager., type: str}
    problems: {description: What must be fixed before anything changes., type: list, elements: str}
    notices: {description: What is valid but probably not meant (warnings to print)., type: list, elements: str}
    variables: {description: The variables the document refers to., type: list, elements: str}
    configs: {description: "Configs made from compose C(file) entries, with name, data and labels.", type: list, elements: dict}
    needs_ipvs: {description: Services that rely on IPVS (a VIP or ingress ports)., type: list, elements: str}
    networks_created: {description: "Networks the stack creates, as the swarm names them.", type: list, elements: str}
"""

import os

import yaml

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.parsing.yaml.dumper import AnsibleDumper
from ansible.plugins.loader import lookup_loader
from ansible.plugins.lookup import LookupBase

from ansible_collections.homelab.swarm.plugins.module_utils import compose
from ansible_collections.homelab.swarm.plugins.module_utils.stack_plan import cross_stack_problems, plain_data, plan_stack

# The options plan_stack takes as they are.
PLANNER_OPTIONS = ('config_names', 'secret_names', 'service_defaults', 'guarded_secrets', 'nodes')

HEADER = (
    "# Stack {name}, written by homelab.swarm.swarm_stack{origin}. Do not edit: the next run overwrites it.\n"
    "# ${{VAR}} references are substituted when it is deployed, from the stack's env.\n"
)


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        self._variables = variables or {}
        # Read once into plain dicts and lists: ansible-core's lazily templated containers render
        # again on every copy, and the planner copies the services many times.
        self._planner_options = dict((name, plain_data(self.get_option(name))) for name in PLANNER_OPTIONS)
        stacks = []
        for term in plain_data(terms):
            stacks.extend(term if isinstance(term, list) else [term])
        if self.get_option('result') == 'env':
            return [self._env(stack)[0] for stack in stacks]
        plans = [self._plan(stack) for stack in stacks]
        return cross_stack_problems(plans, plain_data(self.get_option('overlay_networks')))

    # Paths: absolute as they are; relative ones in the inventory directory, else Ansible's search path.
    def _find(self, path, subdir):
        path = to_text(path)
        if os.path.isabs(path):
            return os.path.normpath(path)
        for base in (self._variables.get('inventory_dir'), self._variables.get('playbook_dir')):
            if base and os.path.exists(os.path.join(to_text(base), path)):
                return os.path.normpath(os.path.join(to_text(base), path))
        found = self.find_file_in_search_path(self._variables, subdir, path, ignore_missing=True)
        return found or path

    def _read(self, path):
        if not os.path.exists(path):
            raise IOError('no such file on the controller')
        real = self._loader.get_real_file(path, decrypt=True)
        try:
            with open(real, 'rb') as handle:
                return to_text(handle.read(), errors='surrogate_or_strict')
        finally:
            self._loader.cleanup_tmp_file(real)

    def _env(self, stack):
        """The stack's variables, and the problems met reading its env file."""
        env, problems = {}, []
        if not isinstance(stack, dict):
            return env, problems
        if stack.get('env_file'):
            path = self._find(stack['env_file'], 'files')
            try:
                env.update(compose.parse_env_file(self._read(path)))
            except (IOError, OSError) as error:
                problems.append('Stack %s: env_file %s cannot be read: %s' % (stack.get('name'), stack['env_file'], error))
            except ValueError as error:
                problems.append('Stack %s: env_file %s: %s' % (stack.get('name'), stack['env_file'], error))
        env.update(dict((to_text(k), None if v is None else to_text(v)) for k, v in (stack.get('env') or {}).items()))
        return env, problems

    def _render(self, path):
        template = lookup_loader.get('ansible.builtin.template', loader=self._loader, templar=self._templar)
        return template.run([path], self._variables)[0]

    def _sources(self, stack):
        compose_files = stack.get('compose') or []
        if not isinstance(compose_files, list):
            compose_files = [compose_files]
        sources = []
        for given in compose_files:
            path = self._find(given, 'templates')
            source = {'path': path}
            if not os.path.exists(path):
                source['error'] = 'no such compose file on the controller'
                sources.append(source)
                continue
            try:
                text = self._render(path)
            except AnsibleError as error:
                source['error'] = 'cannot be rendered as a Jinja template: %s' % to_text(error)
                sources.append(source)
                continue
            try:
                source['document'] = yaml.safe_load(to_text(text))
            except yaml.YAMLError as error:
                source['error'] = 'is not valid YAML: %s' % to_text(error)
            sources.append(source)
        return sources

    def _plan(self, stack):
        sources, env, env_problems = [], {}, []
        if isinstance(stack, dict):
            env, env_problems = self._env(stack)
            if stack.get('state', 'present') == 'present' and stack.get('compose'):
                sources = self._sources(stack)
        plan = plan_stack(stack, sources=sources, env=env, read_file=self._read, **self._planner_options)
        plan['problems'] = env_problems + plan['problems']
        plan['text'] = None
        if plan['document'] is not None:
            origin = (' from ' + ', '.join(os.path.basename(s['path']) for s in sources)) if sources else ' from the inventory'
            plan['text'] = HEADER.format(name=plan['name'], origin=origin) + yaml.dump(
                plan['document'], Dumper=AnsibleDumper, default_flow_style=False, sort_keys=False, width=1000,
                allow_unicode=True)
        return plan
