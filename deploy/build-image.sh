#!/usr/bin/env bash
# Builds Switchboard's images from deploy/Dockerfile: switchboard (the server), and the redis and
# haproxy images the compose file runs beside it. Needs only a Debian 12 base: when the registry
# (docker.io) cannot be reached, the base is made here with debootstrap from the Debian mirror and
# imported as localhost/debian:12, so the build needs nothing but Debian's mirror and npm's registry.
#
#   deploy/build-image.sh [--tag NAME:TAG] [--engine buildah|podman|docker] [--base IMAGE]
#                         [--make-base] [--mirror URL] [--only switchboard|redis|haproxy]
#                         [--git REV] [--extra-ca FILE]
#
#   --tag       the server image (default localhost/switchboard:<version from CMakeLists.txt>);
#               the others are <name>-redis:<tag> and <name>-haproxy:<tag>
#   --engine    default: buildah, else podman, else docker (whichever is installed)
#   --base      the Debian 12 image to build on (default docker.io/library/debian:12)
#   --make-base make the base with debootstrap even if the registry answers
#   --mirror    the Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   --git REV   build the sources of commit REV (`git archive`), not the working tree
#   --extra-ca  a PEM file of authorities npm must trust (a TLS-inspecting proxy); a build
#               secret, kept out of the image
#
# Where buildah cannot start a container for RUN steps (a VM sandbox or CI container without
# cgroup v2: "crun: cgroups in hybrid mode not supported"), run them in a chroot:
#   BUILDAH_ISOLATION=chroot deploy/build-image.sh        (add STORAGE_DRIVER=vfs without overlayfs)
# Building uses every core for several minutes (the whole C++ build, inside the image).
set -euo pipefail
self="$(realpath "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$self")/.." && pwd)"
cd "$root"
cleanup=()
trap 'rm -rf "${cleanup[@]}"' EXIT

usage() { sed -n '7,20p' "$self" | sed 's/^# \{0,1\}//'; }
version="$(sed -n 's/^project(switchboard VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
tag="localhost/switchboard:${version:-latest}"
engine=""
base="docker.io/library/debian:12"
make_base=0
mirror="http://deb.debian.org/debian"
only=""
git_rev=""
extra_ca=""
while (($#)); do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --engine) engine="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --make-base) make_base=1; shift ;;
    --mirror) mirror="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --git) git_rev="$2"; shift 2 ;;
    --extra-ca) extra_ca="$(realpath "$2")"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-image.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ -z "$engine" ]]; then
  for e in buildah podman docker; do
    if command -v "$e" >/dev/null; then engine="$e"; break; fi
  done
fi
case "$engine" in
  buildah|podman|docker) command -v "$engine" >/dev/null || { echo "build-image.sh: $engine not found" >&2; exit 1; } ;;
  "") echo "build-image.sh: none of buildah, podman, docker is installed (apt-get install buildah)" >&2; exit 1 ;;
  *) echo "build-image.sh: --engine must be buildah, podman or docker" >&2; exit 2 ;;
esac

have_image() {
  case "$engine" in
    buildah) buildah inspect --type image "$1" >/dev/null 2>&1 ;;
    *) "$engine" image inspect "$1" >/dev/null 2>&1 ;;
  esac
}

# The Debian 12 base as the official image has it: minbase, main from bookworm, bookworm-updates
# and the security suite, apt lists emptied. Imported as one layer with bash as its command.
make_debian_base() {
  local name="$1"
  command -v debootstrap >/dev/null || { echo "build-image.sh: debootstrap is needed to make the base (apt-get install debootstrap)" >&2; exit 1; }
  dir="$(mktemp -d /tmp/switchboard-base.XXXXXX)"
  cleanup+=("$dir")
  echo "build-image.sh: making $name with debootstrap from $mirror"
  debootstrap --variant=minbase --components=main bookworm "$dir/rootfs" "$mirror" >"$dir/debootstrap.log" 2>&1 \
    || { tail -20 "$dir/debootstrap.log" >&2; echo "build-image.sh: debootstrap failed" >&2; exit 1; }
  rm -f "$dir/rootfs/etc/apt/sources.list"
  cat >"$dir/rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$dir/rootfs/var/lib/apt/lists/"* "$dir/rootfs/var/cache/apt/archives/"*.deb "$dir/rootfs/var/log/"*.log
  case "$engine" in
    buildah)
      local ctr mnt
      ctr="$(buildah from scratch)"
      mnt="$(buildah mount "$ctr")"
      tar -C "$dir/rootfs" -cf - . | tar -C "$mnt" -xf -
      buildah umount "$ctr" >/dev/null
      buildah config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
      buildah commit --quiet "$ctr" "$name" >/dev/null
      buildah rm "$ctr" >/dev/null ;;
    *)
      tar -C "$dir/rootfs" -cf - . | "$engine" import --change 'CMD ["/bin/bash"]' - "$name" >/dev/null ;;
  esac
  echo "build-image.sh: $name made ($(cat "$dir/rootfs/etc/debian_version"))"
}

if ((make_base)); then
  base="localhost/debian:12"
  have_image "$base" || make_debian_base "$base"
elif ! have_image "$base"; then
  echo "build-image.sh: pulling $base"
  if ! "$engine" pull "$base" >/dev/null 2>&1; then
    echo "build-image.sh: $base cannot be pulled here; using a Debian 12 base made with debootstrap"
    base="localhost/debian:12"
    have_image "$base" || make_debian_base "$base"
  fi
fi

# The build context: the working tree (less deploy/Dockerfile.dockerignore), or commit REV's files.
context="."
if [[ -n "$git_rev" ]]; then
  context="$(mktemp -d /tmp/switchboard-context.XXXXXX)"
  cleanup+=("$context")
  git archive --format=tar "$git_rev" | tar -C "$context" -xf -
  echo "build-image.sh: building the sources of $(git rev-parse --short "$git_rev")"
fi

build() {  # build <target> <tag>
  local target="$1" name="$2"
  echo "build-image.sh: $engine building target $target as $name on $base"
  local args=(--build-arg "BASE=$base" --target "$target" -t "$name" -f "$root/deploy/Dockerfile")
  [[ -n "$extra_ca" ]] && args+=(--secret "id=extra_ca,src=$extra_ca")
  case "$engine" in
    # docker format: the Dockerfile's SHELL is kept (the OCI format has no field for it). --layers:
    # a second build reuses the package steps (they come before the sources are copied).
    buildah) buildah build --layers --format docker --ignorefile "$root/deploy/Dockerfile.dockerignore" "${args[@]}" "$context" ;;
    podman) podman build --layers --format docker --ignorefile "$root/deploy/Dockerfile.dockerignore" "${args[@]}" "$context" ;;
    docker) DOCKER_BUILDKIT=1 docker build "${args[@]}" "$context" ;;
  esac
}

repo="${tag%:*}"
version_tag="${tag##*:}"
[[ "$repo" == "$tag" ]] && version_tag=latest
[[ -z "$only" || "$only" == redis ]] && build redis "${repo}-redis:${version_tag}"
[[ -z "$only" || "$only" == haproxy ]] && build haproxy "${repo}-haproxy:${version_tag}"
[[ -z "$only" || "$only" == switchboard ]] && build switchboard "$tag"
echo "build-image.sh: done"
