"""Release the changelog fragments in a scratch copy of the collection, never in the checkout.

    python scripts/changelog-preview.py --check         fail if a module, plugin or role is missing
    python scripts/changelog-preview.py --output FILE   also write the CHANGELOG.md the release would write

`antsibull-changelog release` lists new modules and plugins from their `version_added` (a module
marked for a later version is left out of this release's notes) and new roles and playbooks from
the `add object.*` sections of the fragments; --check makes sure that all of them are there.
"""
import argparse
import datetime
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
COPIED = ("galaxy.yml", "changelogs", "meta", "plugins", "playbooks", "roles")


def expected_names():
    names = set()
    for kind in ("modules", "lookup"):
        names |= {p.stem for p in (ROOT / "plugins" / kind).glob("*.py")}
    names |= {p.stem for p in (ROOT / "plugins" / "filter").glob("*.yml")}
    names |= {p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists()}
    return names


def release(scratch):
    collection = scratch / "ansible_collections" / "homelab" / "swarm"
    collection.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, collection / name, ignore=shutil.ignore_patterns(".plugin-cache.yaml"))
        else:
            shutil.copy2(source, collection / name)
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(scratch))
    subprocess.run(["antsibull-changelog", "release", "--version", version,
                    "--date", datetime.date.today().isoformat()], cwd=collection, env=env, check=True)
    return (collection / "CHANGELOG.md").read_text()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--output", type=pathlib.Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hsw-changelog-") as scratch:
        text = release(pathlib.Path(scratch))
    if args.output:
        args.output.write_text(text)
    if args.check:
        plain = text.replace("\\", "")
        missing = sorted(n for n in expected_names() if f"homelab.swarm.{n} -" not in plain)
        if missing:
            sys.exit("not in the release notes (version_added, or an 'add object' fragment): " + ", ".join(missing))
        print(f"release notes list all {len(expected_names())} modules, plugins and roles")


if __name__ == "__main__":
    main()
