"""docs/ci/github-actions.yml calls deploy.yml with arguments that exist in this project."""

import os
import re
import shlex

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = os.path.join(REPO, "docs", "ci", "github-actions.yml")


def workflow():
    with open(WORKFLOW) as handle:
        return yaml.safe_load(handle)


def deploy_command():
    steps = [step for job in workflow()["jobs"].values() for step in job["steps"]]
    runs = [step["run"] for step in steps if "ansible-playbook" in step.get("run", "")]
    assert len(runs) == 1, runs
    # The process substitution is bash's; the rest is plain words.
    return shlex.split(re.sub(r"<\(.*?\)", "VAULT_FILE", runs[0]))


def option(words, name):
    return [words[i + 1] for i, word in enumerate(words) if word == name]


def test_the_workflow_deploys_on_every_push_after_the_image():
    data = workflow()
    # YAML reads the key on as a boolean.
    assert data.get("on", data.get(True))["push"]["branches"] == ["main"]
    assert data["jobs"]["deploy"]["needs"] == "image"
    assert data["concurrency"]["cancel-in-progress"] is False


def test_it_runs_deploy_yml_of_this_collection_on_the_sample_inventory():
    words = deploy_command()
    assert words[0] == "ansible-playbook"
    assert "deploy.yml" in words and os.path.exists(os.path.join(REPO, "deploy.yml"))
    inventory = option(words, "-i")
    assert inventory == ["inventories/production"] and os.path.isdir(os.path.join(REPO, inventory[0]))
    assert option(words, "--limit") == ["swarm_managers"]
    assert option(words, "--vault-password-file") == ["VAULT_FILE"]


def test_its_extra_variables_are_those_the_inventory_uses():
    words = deploy_command()
    extra = option(words, "-e")
    tags = [e.split("=", 1)[0] for e in extra if "=" in e and not e.startswith("{")]
    assert tags == ["auth_server_tag"]
    with open(os.path.join(REPO, "inventories", "production", "group_vars", "all", "stack.yml")) as handle:
        stack = yaml.safe_load(handle)
    assert "auth_server_tag" in stack
    with open(os.path.join(REPO, "stacks", "production", "dev", "docker-compose.yml.j2")) as handle:
        assert "{{ auth_server_tag }}" in handle.read()
    selected = [yaml.safe_load(e)["swarm_deploy_stacks"] for e in extra if e.startswith("{")]
    assert selected == [["dev"]]
    assert [s["name"] for s in stack["swarm_stacks"]] == ["dev"]


def test_secrets_come_from_the_repository_secrets():
    text = open(WORKFLOW).read()
    for secret in ("SSH_PRIVATE_KEY", "SSH_KNOWN_HOSTS", "VAULT_PASSWORD"):
        assert "${{ secrets.%s }}" % secret in text
    # The vault password never lands in a file of the runner's workspace.
    assert "> .vault" not in text
