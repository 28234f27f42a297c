#!/usr/bin/env bash
# Lay out the rep's package in ROOT: the command, the desktop entry, icon, metainfo,
# the session autostart entry and the (empty) managed-configuration folder.
set -euo pipefail
repo=$1 root=$2 version=$3 date=$4
linux="$repo/packaging/linux"
id=org.repcompanion.RepCompanion
mkdir -p "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/metainfo" \
  "$root/usr/share/icons/hicolor/scalable/apps" "$root/etc/xdg/autostart" \
  "$root/usr/share/doc/rep-companion/examples"
ln -s /opt/rep-companion/bin/companion "$root/usr/bin/companion"
install -m 0644 "$linux/$id.desktop" "$root/usr/share/applications/$id.desktop"
install -m 0644 "$linux/$id.svg" "$root/usr/share/icons/hicolor/scalable/apps/$id.svg"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" "$linux/$id.metainfo.xml" \
  > "$root/usr/share/metainfo/$id.metainfo.xml"
install -m 0644 "$linux/autostart.desktop" "$root/etc/xdg/autostart/$id.desktop"
install -m 0644 "$repo/packaging/examples/managed.toml" "$root/usr/share/doc/rep-companion/examples/"
install -d -m 0755 "$root/etc/rep-companion" "$root/etc/rep-companion/organisation-keys"
echo "/etc/xdg/autostart/$id.desktop" > "$root/DEBIAN/conffiles"
