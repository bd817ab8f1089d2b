"""Bad inventories are refused by the preflight play, before any play that changes a host starts.

The runs use --check and local connections: if a check ever let a bad inventory through, the
following plays would still change nothing here.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_site(tmp_path, inventory, *extra):
    path = tmp_path / "hosts.yml"
    path.write_text(inventory)
    return run_inventory(path, *extra)


def run_inventory(inventory, *extra, **env):
    """site.yml --check on an inventory file or directory; no vault password unless env gives one."""
    env = dict({key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_VAULT")},
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1", **env)
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory),
         os.path.join(REPO, "site.yml"), "--check", *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
        stdin=subprocess.DEVNULL,
    )
    return proc.returncode, proc.stdout


def local_hosts(*names, **vars_):
    lines = [
        "    %s:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n" % (name, sys.executable)
        for name in names
    ]
    for key, value in vars_.items():
        lines = [line + "      %s: %s\n" % (key, value) for line in lines]
    return "".join(lines)


def assert_stopped_in_preflight(rc, out):
    assert rc != 0, out
    assert "PLAY [Preflight" in out
    for later in ("PLAY [Firewall", "PLAY [Docker"):
        assert later not in out, "a play after preflight started:\n" + out


def test_no_manager_is_refused(tmp_path):
    rc, out = run_site(tmp_path, "swarm_workers:\n  hosts:\n" + local_hosts("w1"))
    assert_stopped_in_preflight(rc, out)
    assert "no host in group swarm_managers" in out


def test_even_number_of_managers_is_refused(tmp_path):
    rc, out = run_site(tmp_path, "swarm_managers:\n  hosts:\n" + local_hosts("m1", "m2"))
    assert_stopped_in_preflight(rc, out)
    assert "an even number of managers (2: m1, m2)" in out
    assert "swarm_preflight_allow_even_managers" in out


def test_host_in_both_groups_is_refused(tmp_path):
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1") + "swarm_workers:\n  hosts:\n" + local_hosts("m1")
    rc, out = run_site(tmp_path, inventory)
    assert_stopped_in_preflight(rc, out)
    assert "hosts in both swarm_managers and swarm_workers: m1" in out


def test_duplicate_hostnames_are_refused(tmp_path):
    # Two inventory hosts on this machine report the same hostname.
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1") + "swarm_workers:\n  hosts:\n" + local_hosts("w1")
    rc, out = run_site(tmp_path, inventory)
    assert_stopped_in_preflight(rc, out)
    assert "Duplicate hostnames" in out
    assert "m1 and w1" in out


@pytest.mark.parametrize("value", ["yes-please", "[1]"])
def test_wrong_variable_type_is_refused_with_its_name(tmp_path, value):
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1", swarm_preflight_allow_even_managers=value)
    rc, out = run_site(tmp_path, inventory)
    assert_stopped_in_preflight(rc, out)
    assert "swarm_preflight_allow_even_managers" in out


def test_autolock_without_a_key_file_is_refused(tmp_path):
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1", swarm_manager_autolock="true")
    rc, out = run_site(tmp_path, inventory)
    assert_stopped_in_preflight(rc, out)
    assert "swarm_manager_autolock is on for m1" in out


def test_a_missing_image_tarball_is_refused_before_any_host_changes(tmp_path):
    missing = str(tmp_path / "web-1.4.tar")
    present = tmp_path / "api-2.0.tar"
    present.write_text("")
    extra = json.dumps({"swarm_images_tarballs": [str(present), missing]})
    rc, out = run_site(tmp_path, "swarm_managers:\n  hosts:\n" + local_hosts("m1"), "-e", extra)
    assert_stopped_in_preflight(rc, out)
    assert "No such image tarball on the controller (swarm_images_tarballs): %s." % missing in " ".join(out.split())
    assert "Preflight | Read the facts" not in out, "a host was read before the check"


def test_undefined_stack_variable_is_refused_with_its_name(tmp_path):
    # The stacks are rendered on the controller in the preflight play: a variable the inventory does
    # not define stops the run there, naming the variable, before any host is changed.
    stack = tmp_path / "stack.yml"
    stack.write_text(
        "swarm_stacks:\n"
        "  - name: demo\n"
        "    services:\n"
        "      web:\n"
        "        image: hsw-busybox:1\n"
        "        endpoint_mode: dnsrr\n"
        "        environment:\n"
        "          GREETING: \"{{ hsw_greeting_nobody_defined }}\"\n"
    )
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1")
    rc, out = run_site(tmp_path, inventory, "-e", "@%s" % stack)
    assert_stopped_in_preflight(rc, out)
    assert "hsw_greeting_nobody_defined" in out and "is undefined" in out, out[-3000:]
    # Failed by the stack role (its argument check or its plan, whichever templates the stack first),
    # naming where the variable is used.
    failed_task = [line for line in out[:out.index("fatal: [m1]")].splitlines() if line.startswith("TASK [")][-1]
    assert failed_task.startswith("TASK [homelab.swarm.swarm_stack : "), failed_task
    assert "%s:8:21" % stack in out, out[-3000:]


def test_single_stack_variables_are_refused_with_the_way_to_write_them(tmp_path):
    stack = tmp_path / "stack.yml"
    stack.write_text("swarm_stack_name: demo\nswarm_stack_services:\n  web:\n    image: hsw-busybox:1\n")
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1")
    rc, out = run_site(tmp_path, inventory, "-e", "@%s" % stack)
    assert_stopped_in_preflight(rc, out)
    assert "swarm_stack_name, swarm_stack_services are" in out, out[-3000:]
    assert "swarm_stacks: [{name: demo, services:" in out, out[-3000:]


def compose_stack(tmp_path, compose, **stack):
    path = tmp_path / "docker-compose.yml.j2"
    path.write_text(compose)
    entry = dict(name="app", compose=[str(path)], **stack)
    vars_file = tmp_path / "stack.json"
    vars_file.write_text(json.dumps({"swarm_stacks": [entry]}))
    return str(path), "@%s" % vars_file


def test_compose_file_mistakes_are_listed_together_naming_file_service_and_key(tmp_path):
    path, extra = compose_stack(tmp_path, (
        "version: '3.8'\n"
        "services:\n"
        "  web:\n"
        "    image: hsw-busybox:1\n"
        "    replica: 2\n"
        "    networks: [backend]\n"
        "    environment:\n"
        "      - PASSWORD=${APP_PASSWORD}\n"
        "    deploy:\n"
        "      placment: {constraints: [node.role == manager]}\n"
        "    volumes:\n"
        "      - ./data:/data\n"
        "  worker:\n"
        "    build: .\n"
    ))
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1")
    rc, out = run_site(tmp_path, inventory, "-e", extra)
    assert_stopped_in_preflight(rc, out)
    flat = " ".join(out.split())
    assert "Stack app, file %s, service web: unknown key 'replica'" % path in flat, out[-4000:]
    assert "unknown key deploy.placment" in flat
    assert "service web: uses network backend, which the stack does not declare under networks" in flat
    assert "variable APP_PASSWORD is not defined (in %s" % path in flat
    assert "bind mount ./data is a relative path" in flat
    assert "service worker: has no image" in flat


def test_compose_file_that_is_not_yaml_is_refused_naming_the_file(tmp_path):
    path, extra = compose_stack(tmp_path, "services:\n  web: [unclosed\n")
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts("m1")
    rc, out = run_site(tmp_path, inventory, "-e", extra)
    assert_stopped_in_preflight(rc, out)
    assert "Stack app, file %s: is not valid YAML" % path in " ".join(out.split()), out[-3000:]


def run_deploy(tmp_path, inventory, *extra):
    path = tmp_path / "hosts.yml"
    path.write_text(inventory)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(path),
         os.path.join(REPO, "deploy.yml"), *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    return proc.returncode, proc.stdout


def test_deploy_without_a_swarm_says_to_run_site_first(tmp_path):
    # This machine's engine is in no swarm: deploy.yml reads that (docker info, nothing else) and stops.
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps({"swarm_stacks": [{"name": "app", "services": {"web": {"image": "hsw-busybox:1"}}}]}))
    rc, out = run_deploy(tmp_path, "swarm_managers:\n  hosts:\n" + local_hosts("m1"), "-e", "@%s" % stack)
    assert rc != 0
    flat = " ".join(out.split())
    assert "m1 is not a manager of an active swarm" in flat, out[-3000:]
    assert "run site.yml first. Nothing was changed." in flat
    assert "Create the overlay" not in out and "Deploy stack" not in out


def test_deploy_checks_the_stacks_before_anything(tmp_path):
    path, extra = compose_stack(tmp_path, "services:\n  web:\n    image: a\n    replica: 2\n")
    rc, out = run_deploy(tmp_path, "swarm_managers:\n  hosts:\n" + local_hosts("m1"), "-e", extra)
    assert rc != 0
    assert "service web: unknown key 'replica'" in " ".join(out.split()), out[-3000:]
    assert "Read the manager's swarm state" not in out


def test_deploy_checks_the_networks_before_anything(tmp_path):
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps({"swarm_networks_overlays": [{"name": "backend", "subnet": "10.0.2.0/33"}],
                                 "swarm_stacks": [{"name": "app", "services": {"web": {"image": "hsw-busybox:1"}}}]}))
    rc, out = run_deploy(tmp_path, "swarm_managers:\n  hosts:\n" + local_hosts("m1"), "-e", "@%s" % stack)
    assert rc != 0
    assert "network backend: subnet '10.0.2.0/33' is not a network address" in " ".join(out.split()), out[-3000:]
    assert "Read the manager's swarm state" not in out


def copy_production(tmp_path):
    """inventories/production copied as a newcomer would (to inventories/home, with stacks/ beside)."""
    home = tmp_path / "inventories" / "home"
    shutil.copytree(os.path.join(REPO, "inventories", "production"), str(home))
    shutil.copytree(os.path.join(REPO, "stacks", "production"), str(tmp_path / "stacks" / "production"))
    (home / "hosts.yml").write_text("swarm_managers:\n  hosts:\n" + local_hosts("pve"))
    return home


PROBE = "Preflight | Check that the unlock key file can be read and written with the vault password"


@pytest.mark.parametrize("how", ["--vault-password-file", "ANSIBLE_VAULT_PASSWORD_FILE"])
def test_the_production_sample_with_autolock_gets_past_the_vault_check(tmp_path, how):
    # The README's command, however the vault password is given: autolock finds it to write the key.
    home = copy_production(tmp_path)
    password = str(home / ".vault-password.sample")
    if how == "--vault-password-file":
        rc, out = run_inventory(home, "--vault-password-file", password)
    else:
        rc, out = run_inventory(home, ANSIBLE_VAULT_PASSWORD_FILE=password)
    assert "TASK [homelab.swarm.swarm_preflight : %s]" % PROBE in out, out[-3000:]
    assert "needs a vault password" not in out and "swarm_manager_autolock is on" not in out, out[-3000:]
    # Past every inventory check: the hosts are read.
    assert "Preflight | Read the facts, kernel modules, firewalls" in out, out[-3000:]


def test_autolock_without_any_vault_password_names_the_ways_to_give_one(tmp_path):
    key_file = tmp_path / "unlock_key.vault.yml"
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts(
        "m1", swarm_manager_autolock="true", swarm_manager_unlock_key_file=str(key_file))
    path = tmp_path / "hosts.yml"
    path.write_text(inventory)
    rc, out = run_inventory(path)
    assert_stopped_in_preflight(rc, out)
    flat = " ".join(out.split())
    assert "The Ansible Vault file %s needs a vault password, and this run was given none" % key_file in flat, out[-3000:]
    for way in ("--vault-password-file FILE", "--ask-vault-password", "ANSIBLE_VAULT_PASSWORD_FILE"):
        assert way in flat
    assert not key_file.exists()


def test_an_unlock_key_file_of_another_password_is_refused_before_anything_changes(tmp_path):
    key_file = tmp_path / "unlock_key.vault.yml"
    other = tmp_path / "other-password"
    other.write_text("not-the-run-password\n")
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-vault"), "encrypt", "--vault-password-file",
                    str(other), "--output", str(key_file), "-"], input="swarm_manager_unlock_key: SWMKEY-x\n",
                   text=True, check=True, capture_output=True)
    run_password = tmp_path / "run-password"
    run_password.write_text("the-run-password\n")
    inventory = "swarm_managers:\n  hosts:\n" + local_hosts(
        "m1", swarm_manager_autolock="true", swarm_manager_unlock_key_file=str(key_file))
    path = tmp_path / "hosts.yml"
    path.write_text(inventory)
    rc, out = run_inventory(path, "--vault-password-file", str(run_password))
    assert_stopped_in_preflight(rc, out)
    assert "does not decrypt with the vault password this run was given" in " ".join(out.split()), out[-3000:]
    assert "SWMKEY-x" not in out


def test_a_host_without_python_is_told_how_to_install_it(tmp_path):
    inventory = ("swarm_managers:\n  hosts:\n    m1:\n      ansible_connection: local\n"
                 "      ansible_python_interpreter: /nonexistent/python3\n")
    rc, out = run_site(tmp_path, inventory)
    assert_stopped_in_preflight(rc, out)
    flat = " ".join(out.split())
    assert "m1: no Python at /nonexistent/python3, and the modules need python3 on every host" in flat, out[-3000:]
    assert "-m ansible.builtin.raw -a 'apt-get update && apt-get install -y python3'" in flat


def test_an_unreachable_host_is_named_on_the_hosts_that_were_read(tmp_path):
    # any_errors_fatal runs the read's rescue on every host when one is unreachable, with no result.
    inventory = ("swarm_managers:\n  hosts:\n" + local_hosts("m1") + "swarm_workers:\n  hosts:\n    w1:\n"
                 "      ansible_host: 127.0.0.1\n      ansible_port: 1\n")
    rc, out = run_site(tmp_path, inventory)
    assert rc != 0, out
    flat = " ".join(out.split())
    assert "fatal: [w1]: UNREACHABLE!" in out, out[-3000:]
    assert ("m1: read, but the run stops before it changes any host, because w1 could not be reached"
            " (the errors are above)") in flat, out[-3000:]
    tasks = re.findall(r"^TASK \[(.+?)\]", out, re.M)
    assert tasks and all(task.startswith("homelab.swarm.swarm_preflight : ") for task in tasks), tasks


def test_the_starter_inventory_needs_only_its_addresses_and_user(tmp_path):
    # inventories/example copied, its two addresses and its user edited (here: this machine, twice).
    mine = tmp_path / "inventories" / "mine"
    shutil.copytree(os.path.join(REPO, "inventories", "example"), str(mine))
    shutil.copytree(os.path.join(REPO, "stacks", "example"), str(tmp_path / "stacks" / "example"))
    hosts = (mine / "hosts.yml").read_text()
    assert hosts.count("# edit:") == 2
    hosts = hosts.replace("ansible_host: 192.0.2.10 # edit: the manager's address", "ansible_connection: local")
    hosts = hosts.replace("ansible_host: 192.0.2.11 # edit: the worker's address", "ansible_connection: local")
    (mine / "hosts.yml").write_text(hosts)
    group_vars = (mine / "group_vars" / "all.yml").read_text()
    (mine / "group_vars" / "all.yml").write_text(
        group_vars.replace("ansible_user: admin", "ansible_user: %s\nansible_python_interpreter: %s" % (
            os.environ.get("USER", "root"), sys.executable)))
    rc, out = run_inventory(mine)
    # Every inventory check passes; the hosts are read, and only then does this machine, standing in
    # for both hosts, fail the unique hostname check.
    assert "Preflight | Read the facts, kernel modules, firewalls" in out, out[-3000:]
    assert_stopped_in_preflight(rc, out)
    assert "Duplicate hostnames: " in out and "manager1 and worker1" in out, out[-3000:]
    # The manager alone, preflight alone: the stack's compose file is rendered and checked.
    rc, out = run_inventory(mine, "--limit", "manager1", "--tags", "preflight")
    assert rc == 0, out[-3000:]
    assert "TASK [homelab.swarm.swarm_stack : Stack | Plan the stacks]" in out, out[-3000:]
