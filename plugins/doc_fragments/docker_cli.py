# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The options of docker_cli_argument_spec() in plugins/module_utils/docker_cli.py.
    DOCUMENTATION = r"""
options:
  docker_cli:
    description:
      - Path or name of the docker CLI on the target host.
      - A bare name is looked up in E(PATH) and the usual C(sbin) directories.
    type: path
    default: docker
  docker_host:
    description:
      - Daemon socket to connect to, passed to the CLI as C(--host).
      - When not set, the CLI uses E(DOCKER_HOST) or its default socket.
    type: str

requirements:
  - docker CLI 20.10 or newer on the target host, talking to a swarm manager.
"""
