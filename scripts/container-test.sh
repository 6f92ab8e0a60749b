#!/usr/bin/env bash
# Deployment test, run after `npm test` by the README's test command and .ci/run: builds the real
# Dockerfile and exercises what a deployment relies on, for real, on this machine.
#   - installs what it needs from Debian when missing (docker.io, debootstrap, nginx,
#     docker-compose, prometheus for promtool, kubernetes-client for kubectl kustomize) and starts
#     dockerd when no engine answers (and stops it again at the end);
#   - makes the base image locally (scripts/build-base-image.sh; cached) and builds the Dockerfile;
#   - the container becomes healthy by its own HEALTHCHECK, answers every reference case right,
#     sizes its worker pool from its CPU quota, runs as a non-root uid, and `docker stop` during
#     a large request lets the request finish and the container exit 0;
#   - runs the tap suite on the image's Node.js (24), since CI runs it on the machine's (20);
#   - docker-compose.yml: `docker-compose config`, then the service with its 2 replicas for real
#     (limits, init, stop grace period, DNS names that nginx and Prometheus use, exit 0 on stop);
#   - nginx -t on deploy/nginx/focal-loss.conf as committed, promtool on the Prometheus
#     configuration, kubectl kustomize on deploy/k8s;
#   - the scale-out test (scripts/scale-out-test.ts): 2 replicas behind nginx, rolling restart
#     under load, zero failed requests.
# Ends with "container-test: N passed, M failed" and exits non-zero if anything failed.
# Needs root (apt-get, dockerd, unshare) unless all of that is already in place.
# Each run names its image tag, container and Compose project uniquely and removes only those at
# exit, so two checkouts (or two runs) on one machine do not remove each other's; a dockerd the
# test started is stopped by the last run still using it.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

# This run's own names (lowercase letters, digits and dashes: valid as an image tag, a container
# name and a Compose project name alike).
RUN_ID="$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
if [[ -n "${FOCAL_TEST_IMAGE:-}" ]]; then
  IMAGE="$FOCAL_TEST_IMAGE" # named by the caller: kept at the end
  OWN_IMAGE=""
else
  IMAGE="focal-loss:container-test-$RUN_ID"
  OWN_IMAGE=1
fi
BASE_IMAGE="${BASE_IMAGE:-node:24-bookworm-slim}" # shared and cached between runs, never removed
export CACHE_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/focal-loss}"
PROJECT="focaltest-$RUN_ID" # docker-compose project name for the replica check
CONTAINER="focal-loss-container-test-$RUN_ID"
# Runs in progress, one file each holding its shell's pid: a dockerd started by a run is stopped
# only when no other run is left (dockerd.pid in CACHE_DIR says a run started it).
RUNS_DIR="$CACHE_DIR/runs"
mkdir -p "$RUNS_DIR"
echo "$$" >"$RUNS_DIR/$RUN_ID"
started_at=$SECONDS
passed=0
failed=0
failures=()
WORK="$(mktemp -d)"
chmod 0755 "$WORK"

say() { printf '[container-test] %s\n' "$*"; }

# step NAME COMMAND...: runs one check, prints PASS/FAIL with its duration, and counts it.
step() {
  local name="$1"
  shift
  local t0=$SECONDS
  say "--- $name"
  if "$@"; then
    passed=$((passed + 1))
    say "PASS $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    say "FAIL $name ($((SECONDS - t0)) s)"
  fi
}

# Removes what this run created, by its own names only.
cleanup() {
  if docker info >/dev/null 2>&1; then
    docker rm -f "$CONTAINER" >/dev/null 2>&1
    if [[ -n "${COMPOSE_UP:-}" ]]; then
      FOCAL_IMAGE="$IMAGE" docker-compose -p "$PROJECT" -f docker-compose.yml down --volumes >/dev/null 2>&1
    fi
    # --no-prune keeps the untagged parent layers: the build cache of the next run.
    [[ -n "$OWN_IMAGE" ]] && docker rmi --no-prune "$IMAGE" >/dev/null 2>&1
  fi
  release_docker
  rm -rf "$WORK"
}
trap cleanup EXIT
# On Ctrl-C or a kill, exit through the EXIT trap too.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools -------------------------------------------------------------------------------------
install_missing() {
  local pkgs=()
  command -v dockerd >/dev/null || pkgs+=(docker.io)
  command -v docker >/dev/null || pkgs+=(docker.io)
  command -v debootstrap >/dev/null || pkgs+=(debootstrap)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || pkgs+=(nginx)
  command -v docker-compose >/dev/null || pkgs+=(docker-compose)
  command -v promtool >/dev/null || pkgs+=(prometheus)
  command -v kubectl >/dev/null || pkgs+=(kubernetes-client)
  command -v unshare >/dev/null && command -v flock >/dev/null || pkgs+=(util-linux)
  [[ ${#pkgs[@]} -eq 0 ]] && return 0
  say "installing from Debian: ${pkgs[*]}"
  # Packages must not start their services here (nginx on :80, prometheus on :9090, dockerd):
  # a policy-rc.d that denies every start, for the length of the install only.
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && own_policy=1
  fi
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } \
    >"$WORK/apt.log" 2>&1 || rc=$?
  [[ -n "$own_policy" ]] && rm -f "$policy"
  if [[ $rc -ne 0 ]]; then
    tail -n 20 "$WORK/apt.log"
    return $rc
  fi
}

# Starting and stopping dockerd is serialized between runs by a lock on CACHE_DIR/dockerd.lock.
start_docker() {
  (
    flock 9
    docker info >/dev/null 2>&1 && exit 0
    say "starting dockerd"
    # 9>&-: dockerd must not hold the lock for as long as it runs.
    dockerd >"$CACHE_DIR/dockerd.log" 2>&1 9>&- &
    echo $! >"$CACHE_DIR/dockerd.pid"
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && exit 0
      sleep 1
    done
    tail -n 20 "$CACHE_DIR/dockerd.log"
    exit 1
  ) 9>"$CACHE_DIR/dockerd.lock"
}

# Ends this run's use of the engine; the last run out stops a dockerd that a run started.
release_docker() {
  rm -f "$RUNS_DIR/$RUN_ID"
  (
    flock 9
    [[ -s "$CACHE_DIR/dockerd.pid" ]] || exit 0
    for run in "$RUNS_DIR"/*; do
      [[ -e "$run" ]] || continue
      kill -0 "$(cat "$run")" 2>/dev/null && exit 0 # another run still uses the engine
      rm -f "$run" # left behind by a run that was killed
    done
    pid="$(cat "$CACHE_DIR/dockerd.pid")"
    rm -f "$CACHE_DIR/dockerd.pid"
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || exit 0
    say "stopping the dockerd this test started"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || exit 0
      sleep 1
    done
  ) 9>"$CACHE_DIR/dockerd.lock"
}

# --- the image ---------------------------------------------------------------------------------
build_image() {
  docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
    || { tail -n 30 "$WORK/build.log"; return 1; }
  # Each changed build leaves its untagged build stage behind (the layer cache of the next build);
  # drop those unused for a week so repeated runs do not fill the disk.
  docker image prune -f --filter until=168h >/dev/null
}

container_ip() {
  docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

wait_healthy() {
  local status=""
  for _ in $(seq 1 90); do
    status="$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)"
    [[ "$status" == healthy ]] && return 0
    [[ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" == true ]] || break
    sleep 1
  done
  say "$1 is '$status' after 90 s"
  docker logs "$1" 2>&1 | tail -n 10
  return 1
}

run_container() {
  # No POOL_SIZE: the pool must size itself from the 1-CPU quota. Locked down as the Kubernetes
  # manifest runs it (read-only root file system with a writable /tmp, no capabilities, no
  # privilege escalation). Only the health-check interval is shortened for the test; the check
  # itself is the image's HEALTHCHECK command.
  docker run -d --name "$CONTAINER" --cpus 1 --memory 1536m --health-interval 1s \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    "$IMAGE" >/dev/null || return 1
  wait_healthy "$CONTAINER" || return 1
  # The health log must show the image's own command (node's fetch against /healthz).
  docker inspect -f '{{json .Config.Healthcheck.Test}}' "$CONTAINER" | grep -q '/healthz'
}

# The container is reached at its address on the Docker bridge, not through a published port:
# Docker's userland proxy (which serves 127.0.0.1 ports) is stopped together with the container
# and can cut off the tail of a large answer still in its buffers, a property of the proxy and
# not of the service (behind nginx or a Kubernetes Service there is no such proxy).
container_url() { echo "http://$(container_ip "$CONTAINER"):3000"; }

checks() { node_modules/.bin/tsx scripts/container-checks.ts "$@"; }

runs_as_non_root() {
  local status uid cmd user
  status="$(docker exec "$CONTAINER" cat /proc/1/status)" || return 1
  uid="$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")"
  cmd="$(docker exec "$CONTAINER" cat /proc/1/cmdline | tr '\0' ' ')"
  user="$(docker inspect -f '{{.Config.User}}' "$IMAGE")"
  say "PID 1: '$cmd', uids (real, effective, saved, fs): $uid; image USER $user"
  [[ "$cmd" == "node dist/server.js " ]] || return 1
  for u in $uid; do [[ "$u" != 0 ]] || return 1; done
}

image_size() {
  local bytes base
  bytes="$(docker image inspect -f '{{.Size}}' "$IMAGE")" || return 1
  base="$(docker image inspect -f '{{.Size}}' "$BASE_IMAGE")" || return 1
  say "image size: $IMAGE $((bytes / 1000000)) MB (base $BASE_IMAGE $((base / 1000000)) MB, service layers $(((bytes - base) / 1000000)) MB)"
}

suite_on_image_node() {
  # The image's Node.js binary, run on this machine's checkout (the suite itself is unchanged).
  mkdir -p "$WORK/node24"
  docker run --rm -v "$WORK/node24:/out" "$BASE_IMAGE" cp /usr/local/bin/node /out/node || return 1
  local version
  version="$("$WORK/node24/node" --version)" || return 1
  PATH="$WORK/node24:$PATH" node_modules/.bin/tap --disable-coverage >"$WORK/tap24.log" 2>&1
  local rc=$?
  local summary
  summary="$(grep -E '^# \{ total: [0-9]+' "$WORK/tap24.log" | tail -1)"
  say "tap suite on Node.js $version: ${summary#\# }"
  [[ $rc -eq 0 ]] || { grep -E '^not ok|# fail' "$WORK/tap24.log" | head -20; return 1; }
}

# --- compose -----------------------------------------------------------------------------------
compose_config() {
  docker-compose -f docker-compose.yml config -q || return 1
  if docker compose version >/dev/null 2>&1; then docker compose -f docker-compose.yml config -q || return 1; fi
}

compose_replicas() {
  COMPOSE_UP=1
  FOCAL_IMAGE="$IMAGE" docker-compose -p "$PROJECT" -f docker-compose.yml up -d --no-build focal-loss >"$WORK/compose.log" 2>&1 \
    || { cat "$WORK/compose.log"; return 1; }
  local ids
  mapfile -t ids < <(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=focal-loss")
  [[ ${#ids[@]} -eq 2 ]] || { say "expected 2 replicas, found ${#ids[@]}"; return 1; }
  local id ips=() conf
  for id in "${ids[@]}"; do
    wait_healthy "$id" || return 1
    conf="$(docker inspect -f 'cpus={{.HostConfig.NanoCpus}} memory={{.HostConfig.Memory}} init={{.HostConfig.Init}} stop={{.Config.StopTimeout}} {{range .Config.Env}}{{.}} {{end}}' "$id")"
    say "replica $id: ${conf%% PATH=*} ... $(grep -o 'POOL_SIZE=[0-9]*' <<<"$conf")"
    grep -q 'cpus=1000000000 memory=1610612736 init=true stop=15 ' <<<"$conf" || return 1
    grep -q 'POOL_SIZE=1 ' <<<"$conf" || return 1
    ips+=("$(container_ip "$id")")
    checks workers "http://$(container_ip "$id"):3000" 1 || return 1
  done
  # The service name resolves to every replica: what nginx's upstream and Prometheus' DNS
  # discovery rely on.
  local resolved
  resolved="$(docker run --rm --network "${PROJECT}_default" "$BASE_IMAGE" getent ahostsv4 focal-loss | awk '{print $1}' | sort -u | xargs)"
  say "focal-loss resolves to: $resolved (replicas: ${ips[*]})"
  [[ "$resolved" == "$(printf '%s\n' "${ips[@]}" | sort -u | xargs)" ]] || return 1
  FOCAL_IMAGE="$IMAGE" docker-compose -p "$PROJECT" -f docker-compose.yml stop >/dev/null 2>&1 || return 1
  for id in "${ids[@]}"; do
    [[ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" == 0 ]] || { say "replica $id exited $(docker inspect -f '{{.State.ExitCode}}' "$id")"; return 1; }
  done
  say "both replicas stopped with exit code 0"
}

# --- configuration checks of the other components ------------------------------------------------
nginx_check() {
  # The committed file, unchanged, inside a minimal main configuration. Its upstream names the
  # Compose service "focal-loss", which nginx resolves while loading; a private mount namespace
  # with its own /etc/hosts makes that name resolve here (to 127.0.0.1) without touching the host.
  cat >"$WORK/nginx.conf" <<EOF
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events {}
http { include $ROOT/deploy/nginx/focal-loss.conf; }
EOF
  { cat /etc/hosts; echo '127.0.0.1 focal-loss'; } >"$WORK/hosts"
  unshare --mount sh -c "mount --bind '$WORK/hosts' /etc/hosts && nginx -t -q -e '$WORK/nginx-error.log' -p '$WORK' -c '$WORK/nginx.conf'"
}

promtool_check() { promtool check config deploy/prometheus/prometheus.yml; }

kustomize_check() {
  local kinds
  kinds="$(kubectl kustomize deploy/k8s | awk '/^kind:/ {print $2}' | sort | xargs)" || return 1
  say "kustomize build: $kinds"
  [[ "$kinds" == "Deployment HorizontalPodAutoscaler PodDisruptionBudget Service" ]]
}

# --- run ---------------------------------------------------------------------------------------
[[ -f dist/server.js && -x node_modules/.bin/tsx ]] || { say "run 'npm ci' first"; exit 1; }
step "tools installed (docker.io, debootstrap, nginx, docker-compose, prometheus, kubernetes-client)" install_missing
step "a Docker engine answers" start_docker
step "base image $BASE_IMAGE (made locally, cached)" env CACHE_DIR="$CACHE_DIR" scripts/build-base-image.sh "$BASE_IMAGE"
step "docker build of the Dockerfile" build_image
step "the container becomes healthy by its HEALTHCHECK (read-only root, no capabilities)" run_container
step "POST /loss answers every reference case (tolerance 1e-9 + 1e-7*|e|)" checks reference "$(container_url)"
step "the pool size follows the container's CPU quota (--cpus 1 -> 1 worker)" checks workers "$(container_url)" 1
step "GET /openapi.json shows the recorded examples (openapi/examples.json is in the image)" checks openapi "$(container_url)"
step "the service runs as a non-root uid, as PID 1 (node dist/server.js)" runs_as_non_root
step "docker stop during a large request: it finishes, the container exits 0" checks stop-during-request "$CONTAINER" "$(container_url)"
step "image size" image_size
docker rm -f "$CONTAINER" >/dev/null 2>&1
step "the tap suite passes on the image's Node.js" suite_on_image_node
step "docker-compose config" compose_config
step "compose: 2 replicas with limits, init, POOL_SIZE, DNS, exit 0 on stop" compose_replicas
step "nginx -t on deploy/nginx/focal-loss.conf" nginx_check
step "promtool check config on deploy/prometheus/prometheus.yml" promtool_check
step "kubectl kustomize deploy/k8s" kustomize_check
step "scale-out: 2 replicas behind nginx, rolling restart under load" node_modules/.bin/tsx scripts/scale-out-test.ts

say "took $((SECONDS - started_at)) s"
[[ $failed -eq 0 ]] || say "failed: ${failures[*]}"
echo "container-test: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
