# Sourced by the bench scripts: start_docker_registry DIR NAME starts Debian's docker-registry
# (Distribution 2.8, no referrers API) on an ephemeral 127.0.0.1 port with its storage under DIR,
# and sets reg_pid and host (HOST:PORT). NAME prefixes the error when it does not start.
start_docker_registry() {
  local dir=$1 name=$2 port=""
  mkdir -p "$dir"
  printf 'version: 0.1\nlog: {level: info, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:0}\n' "$dir/data" > "$dir/config.yml"
  setsid /usr/bin/docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 < /dev/null &
  reg_pid=$!
  for _ in $(seq 200); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/log" | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && break; sleep 0.05
  done
  [ -n "$port" ] || { cat "$dir/log" >&2; echo "$name: registry did not start" >&2; exit 1; }
  host="127.0.0.1:$port"
}
