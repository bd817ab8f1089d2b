# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the swarm_stack role."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def swarm_stack_images_missing(tarballs, present):
    """The tarballs to send to a node: those with a tag the node lacks, or holds under an id the
    tarball does not give."""
    ids_by_tag = {}
    for image in present or []:
        for tag in image.get('RepoTags') or []:
            ids_by_tag.setdefault(tag, image.get('Id'))
    missing = []
    for tarball in tarballs or []:
        if any(ids_by_tag.get(tag) not in tarball['ids'] for tag in tarball['tags']) and tarball['src'] not in missing:
            missing.append(tarball['src'])
    return missing


class FilterModule(object):

    def filters(self):
        return {'swarm_stack_images_missing': swarm_stack_images_missing}
