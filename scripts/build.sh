#!/usr/bin/env bash
# Builds the project with CMake.
#   scripts/build.sh release   optimized build in build/ (what `make run` and the benchmark use)
#   scripts/build.sh test      ASan/UBSan debug build with the unit tests in build-test/
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CRM_ROOT"
# Called from make: keep its job server and directory chatter out of CMake's own make.
unset MAKEFLAGS MFLAGS MAKELEVEL

case "${1:-release}" in
release)
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCRM_TESTS=OFF
	cmake --build build -j "$(crm_jobs)"
	;;
test)
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCRM_SANITIZE=ON -DCRM_TESTS=ON
	cmake --build build-test -j "$(crm_jobs)"
	;;
*)
	crm_die "usage: scripts/build.sh release|test"
	;;
esac
