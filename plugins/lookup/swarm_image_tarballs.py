# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: swarm_image_tarballs
author: homelab.swarm maintainers (@homelab)
version_added: 0.1.0
short_description: The tags and image ids of docker save tarballs on the controller
description:
  - Reads the C(manifest.json) (and the OCI C(index.json), when there is one) of each tarball made by
    C(docker save), without unpacking it.
  - Returns, per tarball, the tags it holds and the ids a loaded image can have. They are the config digest
    (the classic image store) and the manifest digest (the containerd one), so that a node is sent a tarball
    only when one of its images is missing or different.
options:
  _terms:
    description: Paths of the tarballs on the controller, as they are given (relative ones to the current directory); lists are flattened.
    required: true
"""

EXAMPLES = r"""
- name: List the images of each tarball
  ansible.builtin.set_fact:
    tarballs: "{{ query('homelab.swarm.swarm_image_tarballs', swarm_stack_images) }}"
"""

RETURN = r"""
_list:
  description: One mapping per tarball, in the order given.
  type: list
  elements: dict
  contains:
    src: {description: The path as given., type: str}
    tags: {description: "The tags the tarball holds (empty when it was saved by id).", type: list, elements: str}
    ids: {description: The ids an image loaded from it can have., type: list, elements: str}
"""

import json
import re
import tarfile

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.lookup import LookupBase

DIGEST = re.compile(r'[0-9a-f]{64}')


def tarball_images(path):
    """The tags and the possible image ids of one docker save tarball."""
    try:
        with tarfile.open(path) as tar:
            names = tar.getnames()
            if 'manifest.json' not in names:
                raise AnsibleLookupError('%s is not a docker save tarball: it has no manifest.json' % path)
            manifest = json.loads(tar.extractfile('manifest.json').read())
            index = json.loads(tar.extractfile('index.json').read()) if 'index.json' in names else {}
    except (OSError, tarfile.TarError, ValueError) as error:
        raise AnsibleLookupError('cannot read the image tarball %s: %s' % (path, to_native(error)))
    tags, ids = [], []
    for image in manifest:
        for tag in image.get('RepoTags') or []:
            if tag not in tags:
                tags.append(tag)
        digest = DIGEST.search(image.get('Config') or '')
        if digest:
            ids.append('sha256:' + digest.group(0))
    ids.extend(entry['digest'] for entry in index.get('manifests') or [] if entry.get('digest'))
    return {'src': path, 'tags': tags, 'ids': ids}


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        paths = []
        for term in terms:
            paths.extend(term if isinstance(term, (list, tuple)) else [term])
        return [tarball_images(to_text(path)) for path in paths]
