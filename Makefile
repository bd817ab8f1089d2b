# The two commands of the README: `make lab` and `make test`.
.PHONY: setup lab lab-down test lint units molecule faults

setup:
	scripts/setup.sh

# A local two-node lab (containers on this machine's engine), provisioned with site.yml.
lab: setup
	scripts/lab.sh run

lab-down:
	scripts/lab.sh down

# Every test: lint, sanity and unit tests of plugins/, molecule scenarios on real nodes.
test:
	scripts/test.sh

lint: setup
	scripts/test.sh lint

units: setup
	scripts/test.sh units

molecule: setup
	scripts/test.sh molecule

# The faults scenario alone (it is part of `make test` too): interrupted runs, a partition, a lost
# manager. About 22 minutes.
faults: setup
	HSW_MOLECULE_SCENARIOS=faults scripts/test.sh molecule
