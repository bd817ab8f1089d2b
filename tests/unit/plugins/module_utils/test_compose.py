# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/compose.py: variables, merging, env files.

The expected substitutions are those the docker 20.10.24 CLI made of the same strings with
`docker stack deploy -c -` in a lab node (A=x$$y gave x$y, ${FOO:-dflt} gave dflt with FOO unset,
${NOPE:?need nope} failed with "required variable NOPE is missing a value: need nope").
"""

from __future__ import annotations

import pytest

from ansible_collections.homelab.swarm.plugins.module_utils import compose


@pytest.mark.parametrize('text, env, expected', [
    ('plain', {}, 'plain'),
    ('x$$y', {}, 'x$y'),
    ('${A}', {'A': 'one'}, 'one'),
    ('$A-$B', {'A': '1', 'B': '2'}, '1-2'),
    ('pre-${A}-post', {'A': 'mid'}, 'pre-mid-post'),
    ('${A:-dflt}', {}, 'dflt'),
    ('${A:-dflt}', {'A': ''}, 'dflt'),
    ('${A-dflt}', {'A': ''}, ''),
    ('${A-dflt}', {}, 'dflt'),
    ('${A:?must}', {'A': 'set'}, 'set'),
    ('${A?must}', {'A': ''}, ''),
    ('$${NOT_A_VARIABLE}', {}, '${NOT_A_VARIABLE}'),
    ('${A}', {'A': 5}, '5'),
    ('${A}', {'A': True}, 'true'),
])
def test_interpolate_string_follows_the_docker_cli(text, env, expected):
    assert compose.interpolate_string(text, env) == expected


@pytest.mark.parametrize('text, env, message', [
    ('${A}', {}, 'variable A is not defined'),
    ('$A', {}, 'variable A is not defined'),
    ('${A:?need A}', {'A': ''}, 'required variable A is missing a value: need A'),
    ('${A:?need A}', {}, 'required variable A is missing a value: need A'),
    ('${A?need A}', {}, 'required variable A is missing a value: need A'),
    ('${A}', {'A': None}, 'variable A is not defined'),
])
def test_interpolate_string_names_the_variable_it_cannot_substitute(text, env, message):
    with pytest.raises(compose.InterpolationError) as raised:
        compose.interpolate_string(text, env)
    assert raised.value.msg == message
    assert raised.value.name == 'A'


def test_a_lone_dollar_is_refused_as_bad_syntax():
    with pytest.raises(compose.InterpolationError) as raised:
        compose.interpolate_string('cost: 5$ ${', {})
    assert 'invalid variable syntax' in raised.value.msg
    assert 'a literal $ is written $$' in raised.value.msg


def test_escape_doubles_every_dollar_of_the_result_so_the_cli_leaves_values_alone():
    # A password holding $ must reach the service as it is, after the CLI's own interpolation.
    assert compose.interpolate_string('P=${P}', {'P': 'a$b${c}'}, escape=True) == 'P=a$$b$${c}'
    assert compose.interpolate_string('x$$y', {}, escape=True) == 'x$$y'


def test_references_lists_the_variables_in_order():
    assert compose.references('${A} $B ${C:-x} $$D ${E?m}') == [
        ('A', '', None), ('B', '', None), ('C', ':-', 'x'), ('E', '?', 'm')]


def test_document_references_and_problems_cover_only_interpolated_sections():
    document = {
        'version': '${NOT_READ}',
        'services': {'web': {'image': 'app:${TAG}', 'environment': {'P': '${PASSWORD}'}}},
        'networks': {'net': {'name': '${NET:-backend}'}},
        'x-notes': '${NOT_READ_EITHER}',
    }
    assert sorted(compose.document_references(document)) == ['NET', 'PASSWORD', 'TAG']
    problems = compose.variable_problems(document, {'TAG': '2'})
    assert problems == [('services.web.environment.P', 'variable PASSWORD is not defined')]


def test_interpolate_document_substitutes_values_and_keeps_keys_and_other_sections():
    document = {'version': '3.8', 'services': {'${KEY}': {'image': 'a:${TAG}', 'replicas': 2}}}
    result = compose.interpolate_document(document, {'TAG': '7', 'KEY': 'never'}, escape=False)
    assert result == {'version': '3.8', 'services': {'${KEY}': {'image': 'a:7', 'replicas': 2}}}
    assert document['services']['${KEY}']['image'] == 'a:${TAG}', 'the input is left as it was'


def test_escape_dollars_makes_every_string_literal():
    assert compose.escape_dollars({'a': ['$x', {'b': 'y$$'}], 'n': 1}) == {'a': ['$$x', {'b': 'y$$$$'}], 'n': 1}


def test_parse_env_file_reads_comments_export_and_quotes():
    text = '# a comment\n\nexport A=1\nB="two words"\nC=\'3\'\nD=x=y\nE=\n'
    assert compose.parse_env_file(text) == {'A': '1', 'B': 'two words', 'C': '3', 'D': 'x=y', 'E': ''}


@pytest.mark.parametrize('line', ['NOEQUALS', '1A=x', 'A B=c'])
def test_parse_env_file_names_the_bad_line(line):
    with pytest.raises(ValueError) as raised:
        compose.parse_env_file('OK=1\n' + line + '\n')
    assert 'line 2' in str(raised.value)


def test_mapping_from_list_takes_both_forms_and_makes_strings():
    assert compose.mapping_from_list(['A=1', 'B', 'C=x=y']) == {'A': '1', 'B': None, 'C': 'x=y'}
    assert compose.mapping_from_list({'A': 1, 'B': True, 'C': None}) == {'A': '1', 'B': 'true', 'C': None}
    with pytest.raises(ValueError):
        compose.mapping_from_list([{'A': 1}])


def test_merge_overrides_scalars_and_merges_environment_given_in_either_form():
    base = {'version': '3.8', 'services': {'web': {
        'image': 'app:1', 'environment': ['A=1', 'B=2'], 'deploy': {'replicas': 1, 'labels': ['x=1']}}}}
    override = {'services': {'web': {
        'image': 'app:2', 'environment': {'B': 'two', 'C': 3}, 'deploy': {'labels': {'y': 2}, 'mode': 'replicated'}}}}
    merged = compose.merge_documents([base, override])
    web = merged['services']['web']
    assert web['image'] == 'app:2'
    assert web['environment'] == {'A': '1', 'B': 'two', 'C': '3'}
    assert web['deploy'] == {'replicas': 1, 'labels': {'x': '1', 'y': '2'}, 'mode': 'replicated'}
    assert merged['version'] == '3.8'


def test_merge_keys_ports_volumes_configs_and_secrets_as_the_cli_does():
    base = {'services': {'web': {
        'ports': ['8080:80', {'target': 443, 'published': 8443}],
        'volumes': ['data:/data', '/etc/a:/etc/a:ro'],
        'secrets': ['token', {'source': 'key', 'target': 'k'}],
        'configs': [{'source': 'conf', 'target': '/etc/conf'}],
    }}}
    override = {'services': {'web': {
        'ports': ['8080:80', '9090:90'],
        'volumes': ['other:/data'],
        'secrets': [{'source': 'token', 'mode': 0o400}],
        'configs': ['extra'],
    }}}
    web = compose.merge_documents([base, override])['services']['web']
    # Identical ports once, sorted by published port.
    assert web['ports'] == ['8080:80', {'target': 443, 'published': 8443}, '9090:90']
    # By target: the later file's volume mounted on /data wins.
    assert web['volumes'] == ['other:/data', '/etc/a:/etc/a:ro']
    assert web['secrets'] == [{'source': 'key', 'target': 'k'}, {'source': 'token', 'mode': 0o400}]
    assert web['configs'] == [{'source': 'conf', 'target': '/etc/conf'}, 'extra']


def test_merge_appends_other_lists_but_replaces_commands():
    base = {'services': {'web': {'command': ['a', 'b'], 'dns': ['1.1.1.1'], 'healthcheck': {'test': ['CMD', 'a']},
                                 'deploy': {'placement': {'constraints': ['node.role == manager']}}}}}
    override = {'services': {'web': {'command': ['c'], 'dns': ['9.9.9.9'], 'healthcheck': {'test': ['CMD', 'b']},
                                     'deploy': {'placement': {'constraints': ['node.labels.ssd == true']}}}}}
    web = compose.merge_documents([base, override])['services']['web']
    assert web['command'] == ['c']
    assert web['healthcheck']['test'] == ['CMD', 'b']
    assert web['dns'] == ['1.1.1.1', '9.9.9.9']
    assert web['deploy']['placement']['constraints'] == ['node.role == manager', 'node.labels.ssd == true']


def test_merge_networks_of_a_service_given_as_list_or_mapping():
    base = {'services': {'web': {'networks': ['front', 'back']}}}
    override = {'services': {'web': {'networks': {'back': {'aliases': ['api']}, 'extra': None}}}}
    assert compose.merge_documents([base, override])['services']['web']['networks'] == {
        'front': None, 'back': {'aliases': ['api']}, 'extra': None}


def test_merge_logging_options_with_the_same_driver_and_replaces_another_driver():
    base = {'services': {'a': {'logging': {'driver': 'json-file', 'options': {'max-size': '10m'}}},
                         'b': {'logging': {'driver': 'json-file', 'options': {'max-size': '10m'}}}}}
    override = {'services': {'a': {'logging': {'options': {'max-file': '3'}}},
                             'b': {'logging': {'driver': 'syslog'}}}}
    merged = compose.merge_documents([base, override])['services']
    assert merged['a']['logging'] == {'driver': 'json-file', 'options': {'max-size': '10m', 'max-file': '3'}}
    assert merged['b']['logging'] == {'driver': 'syslog'}


def test_merge_adds_services_and_replaces_top_level_entries():
    base = {'services': {'a': {'image': 'a'}}, 'networks': {'n': {'driver': 'overlay', 'attachable': True}},
            'volumes': {'v': None}}
    override = {'services': {'b': {'image': 'b'}}, 'networks': {'n': {'external': True}}, 'volumes': {'w': None}}
    merged = compose.merge_documents([base, override])
    assert sorted(merged['services']) == ['a', 'b']
    assert merged['networks'] == {'n': {'external': True}}
    assert merged['volumes'] == {'v': None, 'w': None}


def test_merge_leaves_its_inputs_alone():
    base = {'services': {'a': {'environment': ['A=1']}}}
    compose.merge_documents([base, {'services': {'a': {'environment': ['B=2']}}}])
    assert base == {'services': {'a': {'environment': ['A=1']}}}
