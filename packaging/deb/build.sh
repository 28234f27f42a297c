#!/usr/bin/env bash
# Build the Debian packages from this checkout, offline, from uv.lock, without dev tools:
#
#   packaging/deb/build.sh [--revision N] [--out DIR] [--package NAME]
#
#   rep-companion_<version>-<N>_<arch>.deb       the rep's tray app (/usr/bin/companion)
#   rep-companion-desk_<version>-<N>_<arch>.deb  the organisation's desk service (systemd)
#
# <version> is the project's, from pyproject.toml; N is the Debian revision (default 1).
# Each package carries a virtual environment under /opt (built by `uv sync --no-dev
# --frozen --no-editable --offline`, relocatable, bytecode compiled) on Debian's own
# python3: see docs/admin.md ("Why a virtual environment under /opt") for the numbers.
# The environment is staged once per source tree (a content hash of the sources and the
# lock file) under $OUT/stage and reused, so a second build with another revision only
# packs. Needs: uv, dpkg-deb, Debian's python3 (the one the package depends on), and
# uv's cache holding every locked wheel (any `uv sync` of this checkout fills it).
set -euo pipefail
umask 022  # dpkg-deb refuses a control folder others cannot read (a caller may run with 077)

repo=$(cd "$(dirname "$0")/../.." && pwd)
revision=1
out="$repo/dist/deb"
only=""
while (($#)); do
  case "$1" in
    --revision) revision=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --package) only=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ "$revision" =~ ^[0-9][0-9a-z.+~]*$ ]] || { echo "bad revision: $revision" >&2; exit 2; }

python=/usr/bin/python3  # Debian's: the package depends on it, so the venv may point at it
uv=${UV:-uv}
command -v "$uv" >/dev/null || uv="python3 -m uv"
version=$($python -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$repo/pyproject.toml")
declared=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$repo/companion/__init__.py")
if [[ "$declared" != "$version" ]]; then
  echo "companion/__init__.py says $declared, pyproject.toml says $version: make them agree" >&2
  exit 1
fi
pyminor=$($python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
arch=$(dpkg --print-architecture)
# The newest changelog entry's date: the metainfo's release date.
released=$(date -u -d "$(sed -n 's/^ -- .*>  //p' "$repo/packaging/deb/changelog" | head -1)" +%F)
full="$version-$revision"

# --- stage the environment once per source tree ----------------------------------------
key=$(cd "$repo" && find companion resources packaging pyproject.toml uv.lock -type f \
        ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum \
        | sha256sum | cut -c1-16)
stage="$out/stage"
venv="$stage/venv"
if [[ "$(cat "$stage/key" 2>/dev/null)" != "$key" ]]; then
  echo "staging the environment (sources $key)"
  rm -rf "$stage"
  mkdir -p "$stage"
  # Relocatable: entry points find their python next to themselves, so the tree built
  # here runs unchanged from /opt. --no-editable: the app's code is copied in.
  $uv venv --quiet --relocatable --python "$python" "$venv"
  (cd "$repo" && UV_PROJECT_ENVIRONMENT="$venv" $uv sync --quiet --frozen --no-dev \
      --no-editable --offline --compile-bytecode --link-mode copy --python "$python" \
      --reinstall-package rep-companion)  # uv would reuse a cached build of older sources
  site="$venv/lib/python$pyminor/site-packages"
  # Qt's developer tools, QML/Quick, headers and type stubs: the app uses QtCore, QtGui
  # and QtWidgets only. What is left is checked below: every library's needs are met.
  qt="$site/PySide6"
  rm -rf "$qt"/{assistant,designer,linguist,lrelease,lupdate,qmlformat,qmlls,qmllint} \
         "$qt"/{include,typesystems,scripts,glue,support} "$qt"/Qt/{qml,metatypes} \
         "$qt"/Qt/plugins/{designer,qmltooling,qmllint,qmlls}
  find "$qt" -name '*.pyi' -delete
  rm -f "$qt"/libpyside6qml.abi3.so*
  for module in Designer Help Qml QmlCompiler QmlCore QmlLocalStorage QmlMeta QmlModels \
      QmlNetwork QmlWorkerScript QmlXmlListModel Quick QuickControls2 QuickTest QuickWidgets \
      Test UiTools WaylandCompositor; do
    rm -f "$qt/Qt$module.abi3.so" "$qt"/Qt/lib/libQt6"$module"*.so.6
  done
  rm -f "$qt"/Qt/lib/libQt6{Labs,Lottie,QuickControls2,QuickDialogs2,QuickEffects,QuickLayouts}*.so.6 \
        "$qt"/Qt/lib/libQt6{QuickParticles,QuickShapes,QuickTemplates2,QuickTimeline,QuickVectorImage}*.so.6 \
        "$qt"/Qt/lib/libQt6{DesignerComponents,WaylandEgl,WlShell}*.so.6
  # A library or plugin whose dependency was trimmed would fail only when loaded: drop
  # plugins that need a removed library, then refuse to pack if anything still misses one.
  missing_for() { LD_LIBRARY_PATH="$qt/Qt/lib" ldd "$1" 2>/dev/null | grep -o 'libQt6[A-Za-z0-9]*\.so\.6 => not found' || true; }
  while IFS= read -r -d '' plugin; do
    [[ -n "$(missing_for "$plugin")" ]] && rm -f "$plugin"
  done < <(find "$qt/Qt/plugins" -name '*.so' -print0)
  broken=0
  while IFS= read -r -d '' library; do
    need=$(missing_for "$library")
    if [[ -n "$need" ]]; then echo "trimmed too much: $library needs $need" >&2; broken=1; fi
  done < <(find "$qt" -name '*.so*' -type f -print0)
  ((broken == 0)) || exit 1
  # The rep's laptop never carries the desk (the desk package copies it back in).
  mv "$site/companion/desk" "$stage/desk-house"
  echo "$key" > "$stage/key"
else
  echo "reusing the staged environment (sources $key)"
fi

# --- pack one package ---------------------------------------------------------------------
pack() {  # pack NAME: lay out $out/root-NAME from the stage and packaging/deb/NAME, build it
  local name=$1 root="$out/root-$1" spec="$repo/packaging/deb/$1"
  rm -rf "$root"
  mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/share/doc/$name"
  cp -a "$venv" "$root/opt/$name"
  install -m 0755 "$spec"/{postinst,prerm,postrm} "$root/DEBIAN/"
  "$spec/layout.sh" "$repo" "$root" "$full" "$released" "$stage" "$pyminor"
  install -m 0644 "$repo/packaging/deb/copyright" "$root/usr/share/doc/$name/copyright"
  gzip -9n < "$repo/packaging/deb/changelog" > "$root/usr/share/doc/$name/changelog.gz"
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -e "s/@VERSION@/$full/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
      -e "s/@PYMINOR@/$pyminor/g" "$spec/control.in" > "$root/DEBIAN/control"
  local deb="$out/${name}_${full}_${arch}.deb"
  # zstd -3: 6 s to pack on 2 cores against 60 s for -9 and 3 min for xz, for 15 % more
  # size (178 MB against 155 MB for -9); dpkg reads zstd since 1.21.18 (Debian 12).
  dpkg-deb --root-owner-group -Zzstd -z3 --build "$root" "$deb" >/dev/null
  rm -rf "$root"
  echo "$deb ($(du -h "$deb" | cut -f1), installed $((size / 1024)) MB)"
}

for name in rep-companion rep-companion-desk; do
  if [[ -z "$only" || "$only" == "$name" ]]; then pack "$name"; fi
done
