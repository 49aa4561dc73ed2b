#!/usr/bin/env bash
# Two `bitnet-gpu serve` replicas behind nginx, all on this machine's loopback: the shape of a multi-machine
# deployment (a load balancer in front of replicas, each with its own copy of the model) in one script.
# It starts both replicas and nginx, waits for /health, sends chat requests (whole and streamed) through nginx, shows
# which replica answered each, checks in each replica's /metrics that both served, and stops everything on exit.
#   deploy/loopback-demo.sh            # the bundled model
#   MODEL=/path/model.gguf REQUESTS=16 BASE_PORT=18101 deploy/loopback-demo.sh
# Needs nginx (Debian: apt-get install nginx-light) and curl.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="${BASE_PORT:-18101}"
replicas=("$base" "$((base + 1))")
front="$((base + 10))"
requests="${REQUESTS:-8}"
model_args=()
[[ -n "${MODEL:-}" ]] && model_args=(-m "$MODEL")

command -v nginx >/dev/null || { echo "loopback-demo: nginx is needed (Debian: apt-get install nginx-light)" >&2; exit 1; }
command -v curl >/dev/null || { echo "loopback-demo: curl is needed" >&2; exit 1; }

work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$root/bitnet-gpu" --help >/dev/null 2>&1 || true   # builds the CLI once, before two replicas start at the same time

for port in "${replicas[@]}"; do
  "$root/bitnet-gpu" serve "${model_args[@]}" --host 127.0.0.1 --port "$port" --parallel 2 >"$work/serve-$port.log" 2>&1 &
  pids+=("$!")
done

mkdir -p "$work/tmp" && chmod 777 "$work/tmp"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  upstream bitnet {
    least_conn;                        # the replica with the fewest requests in flight
    server 127.0.0.1:${replicas[0]} max_fails=2 fail_timeout=5s;
    server 127.0.0.1:${replicas[1]} max_fails=2 fail_timeout=5s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$front;
    client_max_body_size 1m;           # the server's own limit (--max-body)
    location / {
      proxy_pass http://bitnet;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;             # server-sent events go through as they are written
      proxy_read_timeout 600s;
      proxy_next_upstream error timeout http_503;   # a replica still loading (503) passes the request on
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
CONF
nginx -t -q -p "$work" -c "$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=("$!")

echo "waiting for both replicas' /health ..."
for port in "${replicas[@]}"; do
  for _ in $(seq 1 240); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" == 200 ]] && break
    sleep 0.5
  done
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" == 200 ]] || { echo "replica $port did not become healthy:" >&2; cat "$work/serve-$port.log" >&2; exit 1; }
done

echo "sending $requests chat requests through nginx on 127.0.0.1:$front ..."
body='{"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 16, "temperature": 0}'
curls=()
for i in $(seq 1 "$requests"); do
  curl -s -D "$work/headers-$i" -o "$work/answer-$i" "http://127.0.0.1:$front/v1/chat/completions" -H 'Content-Type: application/json' -d "$body" &
  curls+=("$!")
done
wait "${curls[@]}"
for i in $(seq 1 "$requests"); do
  upstream="$(grep -i '^x-upstream:' "$work/headers-$i" | tr -d '\r' | cut -d' ' -f2)"
  echo "request $i -> $upstream: $(head -c 160 "$work/answer-$i")..."
done

echo "one streamed request through nginx:"
curl -sN "http://127.0.0.1:$front/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 6, "temperature": 0, "stream": true}' >"$work/stream"
echo "  $(grep -c '^data: ' "$work/stream") server-sent events, the last one: $(grep '^data: ' "$work/stream" | tail -n1)"
grep -q '^data: \[DONE\]' "$work/stream" || { echo "the stream did not end with [DONE]" >&2; exit 1; }

served=0
for port in "${replicas[@]}"; do
  count="$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^bitnet_http_requests_total\{endpoint="\/v1\/chat\/completions",outcome="ok"\}/ { print $2 }')"
  echo "replica 127.0.0.1:$port answered ${count:-0} chat requests (its /metrics)"
  [[ "${count:-0}" -gt 0 ]] && served=$((served + 1))
done
if [[ "$served" -eq 2 ]]; then echo "both replicas served requests through nginx"; else echo "only $served replica(s) served requests" >&2; exit 1; fi
