# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the homelab.swarm.swarm_image_tarballs lookup and the swarm_stack_images_missing filter."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from ansible.errors import AnsibleLookupError

from ansible_collections.homelab.swarm.plugins.filter.swarm_stack import swarm_stack_images_missing
from ansible_collections.homelab.swarm.plugins.lookup.swarm_image_tarballs import LookupModule

CONFIG = 'a' * 64
MANIFEST = 'sha256:' + 'b' * 64


def tarball(path, members):
    with tarfile.open(path, 'w') as tar:
        for name, document in members.items():
            data = json.dumps(document).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def test_a_classic_and_an_oci_tarball_give_their_tags_and_both_ids(tmp_path):
    classic = tarball(tmp_path / 'classic.tar', {'manifest.json': [
        {'Config': CONFIG + '.json', 'RepoTags': ['web:1', 'web:latest']}, {'Config': 'c' * 64 + '.json', 'RepoTags': None}]})
    oci = tarball(tmp_path / 'oci.tar', {
        'manifest.json': [{'Config': 'blobs/sha256/' + CONFIG, 'RepoTags': ['web:1']}],
        'index.json': {'manifests': [{'digest': MANIFEST}]}})
    assert LookupModule().run([[classic], oci]) == [
        {'src': classic, 'tags': ['web:1', 'web:latest'], 'ids': ['sha256:' + CONFIG, 'sha256:' + 'c' * 64]},
        {'src': oci, 'tags': ['web:1'], 'ids': ['sha256:' + CONFIG, MANIFEST]},
    ]


def test_a_file_that_is_not_a_docker_save_tarball_is_named(tmp_path):
    other = tarball(tmp_path / 'other.tar', {'readme.json': {}})
    with pytest.raises(AnsibleLookupError, match='other.tar is not a docker save tarball: it has no manifest.json'):
        LookupModule().run([other])
    (tmp_path / 'text.tar').write_text('not a tar')
    with pytest.raises(AnsibleLookupError, match='cannot read the image tarball .*text.tar'):
        LookupModule().run([str(tmp_path / 'text.tar')])


def test_a_tarball_is_sent_when_a_tag_is_missing_or_under_another_id():
    tarballs = [{'src': 'a.tar', 'tags': ['web:1'], 'ids': ['sha256:1', 'sha256:m1']},
                {'src': 'b.tar', 'tags': ['db:1', 'db:2'], 'ids': ['sha256:2']}]
    assert swarm_stack_images_missing(tarballs, []) == ['a.tar', 'b.tar']
    present = [{'Id': 'sha256:m1', 'RepoTags': ['web:1']}, {'Id': 'sha256:2', 'RepoTags': ['db:1', 'db:2']}]
    assert swarm_stack_images_missing(tarballs, present) == []
    present[1] = {'Id': 'sha256:2', 'RepoTags': ['db:1']}
    assert swarm_stack_images_missing(tarballs, present) == ['b.tar']
    assert swarm_stack_images_missing(tarballs, [{'Id': 'sha256:old', 'RepoTags': ['web:1']}]) == ['a.tar', 'b.tar']
