#!/usr/bin/env bash
# Lay out the desk's package in ROOT: its environment gets the desk back, the unit, and
# `companion-desk` for the admin verbs.
set -euo pipefail
repo=$1 root=$2 stage=$5 pyminor=$6
cp -a "$stage/desk-house" "$root/opt/rep-companion-desk/lib/python$pyminor/site-packages/companion/desk"
mkdir -p "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/share/doc/rep-companion-desk/examples"
cat > "$root/usr/bin/companion-desk" <<'SH'
#!/bin/sh
# The desk's admin verbs (service-init, ingest, enrol-device, ...), e.g. as its user:
#   sudo -u rep-companion-desk companion-desk ingest --config /etc/rep-companion-desk/desk.toml
exec /opt/rep-companion-desk/bin/companion desk "$@"
SH
chmod 0755 "$root/usr/bin/companion-desk"
install -m 0644 "$repo/packaging/systemd/rep-companion-desk.service" "$root/lib/systemd/system/"
install -m 0644 "$repo/packaging/examples/desk.toml" "$root/usr/share/doc/rep-companion-desk/examples/"
install -d -m 0750 "$root/etc/rep-companion-desk"
