#!/usr/bin/env bash
# Debian's nginx, apache2 and mod_wsgi (and the Python it embeds, with venv), for the tests that
# boot deploy/ for real (tests/e2e/test_deploy.py), and chromium with its driver for the
# browser test of /account (tests/e2e/test_account_page.py), galera-4 and rsync for the Galera
# tests (tests/e2e/test_galera*.py), redis-sentinel for the failover tests
# (tests/e2e/test_redis_sentinel.py), and haproxy for the cluster run (tests/cluster/).
# Installs only what is missing;
# needs root (or sudo) for that. Nothing is started or enabled: the tests run private instances.
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/sbin/apache2 ] || missing+=(apache2)
[ -f /usr/lib/apache2/modules/mod_wsgi.so ] || missing+=(libapache2-mod-wsgi-py3)
/usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -f /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)  # a joining Galera node's state transfer
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)  # in front of Galera (tests/cluster/)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  # Not fatal: tests/e2e/test_deploy.py, test_account_page.py and test_redis_sentinel.py skip
  # without them (and fail under MFA_TEST_REQUIRE_SERVICES=1, as in CI, which runs as root).
  echo "deploy/install-servers.sh: missing ${missing[*]} (apt-get install ${missing[*]} as root);" \
       "the deploy tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101: the packages must not start the system's own nginx, apache2 (ports 80) or
# redis-sentinel (26379) or haproxy.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod +x "$policy"
  trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi
install() { "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; }
install || { "${as_root[@]}" apt-get update -q && install; }
