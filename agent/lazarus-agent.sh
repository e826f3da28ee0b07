#!/bin/sh
# Lazarus reference agent: reports this VM and its applications to Lazarus (POST /v1/agents/heartbeat) every
# LAZARUS_INTERVAL seconds. POSIX sh and curl only, so it runs on AIX and Linux alike. See agent/README.md.
#
#   lazarus-agent.sh [--config FILE] [--once]
#
# Settings come from FILE (default /etc/lazarus-agent.conf when it exists), then the environment overrides them:
#   LAZARUS_URL         Lazarus API base URL, e.g. https://lazarus.example:8080              (required)
#   LAZARUS_TOKEN_FILE  file holding this VM's agent token (mode 0600)                       (required)
#   LAZARUS_VM          the LPAR name as the HMC shows it (default: uname -n)
#   LAZARUS_INTERVAL    seconds between heartbeats (default 30; keep it well below the VM's heartbeatTimeout)
#   LAZARUS_CACERT      CA bundle for an https URL signed by a private CA (optional)
#   LAZARUS_APP_<name>  a command whose exit status tells whether application <name> is healthy (0 = ok)
# The file holds KEY=VALUE lines (values may be quoted; # starts a comment line, " #" ends an unquoted value).
# It is parsed, never executed; only the LAZARUS_APP_ commands are run, each through `sh -c`.
set -u

PROGRAM=lazarus-agent
CONFIG=/etc/lazarus-agent.conf
ONCE=0
MAX_BACKOFF=300

log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROGRAM" "$*" >&2
  if command -v logger >/dev/null 2>&1; then logger -t "$PROGRAM" -- "$*" 2>/dev/null || :; fi
}

die() {
  log "error: $*"
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --config) [ $# -ge 2 ] || die "--config needs a file"; CONFIG=$2; shift 2 ;;
    --once) ONCE=1; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (usage: $0 [--config FILE] [--once])" ;;
  esac
done

# Loads KEY=VALUE lines into the environment without evaluating them; variables already set in the environment win.
load_config() {
  [ -r "$1" ] || return 0
  line_no=0
  while IFS= read -r line || [ -n "$line" ]; do
    line_no=$((line_no + 1))
    case "$line" in '' | '#'*) continue ;; esac
    key=${line%%=*}
    value=${line#*=}
    case "$key" in
      LAZARUS_*) ;;
      *) die "$1:$line_no: expected LAZARUS_NAME=value" ;;
    esac
    case "$key" in *[!A-Za-z0-9_]*) die "$1:$line_no: bad name '$key'" ;; esac
    [ "$key" != "$line" ] || die "$1:$line_no: expected LAZARUS_NAME=value"
    # A quoted value runs to its closing quote; an unquoted one to a " #" comment; trailing blanks are dropped.
    case "$value" in
      \"*) value=${value#\"}; value=${value%%\"*} ;;
      \'*) value=${value#\'}; value=${value%%\'*} ;;
      *) value=${value%%[[:space:]]#*}; value=${value%"${value##*[![:space:]]}"} ;;
    esac
    if env | grep -q "^$key="; then continue; fi
    export "$key=$value"
  done <"$1"
}

load_config "$CONFIG"
URL=${LAZARUS_URL:-}
TOKEN_FILE=${LAZARUS_TOKEN_FILE:-}
VM=${LAZARUS_VM:-$(uname -n)}
INTERVAL=${LAZARUS_INTERVAL:-30}
[ -n "$URL" ] || die "LAZARUS_URL is not set"
[ -n "$TOKEN_FILE" ] || die "LAZARUS_TOKEN_FILE is not set"
[ -r "$TOKEN_FILE" ] || die "cannot read the token file $TOKEN_FILE"
case "$INTERVAL" in '' | *[!0-9]*) die "LAZARUS_INTERVAL must be a number of seconds" ;; esac
[ "$INTERVAL" -ge 1 ] || die "LAZARUS_INTERVAL must be at least 1"
command -v curl >/dev/null 2>&1 || die "curl is not installed"

# JSON string contents: backslashes and quotes escaped, control characters dropped, at most 200 characters.
json_text() {
  printf '%s' "$1" | tr -d '\000-\037' | cut -c1-200 | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

# The heartbeat body: each LAZARUS_APP_<name> command run once, its exit status as ok/failed.
heartbeat_body() {
  apps=''
  for name in $(env | sed -n 's/^LAZARUS_APP_\([A-Za-z0-9_]*\)=.*/\1/p' | sort); do
    command=$(env | sed -n "s/^LAZARUS_APP_$name=//p" | head -n 1)
    output=$(sh -c "$command" 2>&1 </dev/null)
    code=$?
    if [ "$code" -eq 0 ]; then status=ok; else status=failed; fi
    detail=$(printf '%s' "exit $code: $output" | head -n 1)
    app="{\"name\":\"$(json_text "$name")\",\"status\":\"$status\",\"detail\":\"$(json_text "$detail")\"}"
    apps="$apps${apps:+,}$app"
  done
  printf '{"vm":"%s","sentAt":"%s","apps":[%s]}' "$(json_text "$VM")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$apps"
}

# A new private temporary file (mktemp, or a shell fallback for systems without it, e.g. older AIX levels).
temp_file() {
  if command -v mktemp >/dev/null 2>&1; then
    mktemp "${TMPDIR:-/tmp}/$PROGRAM.XXXXXX"
    return
  fi
  (umask 077; set -C; name="${TMPDIR:-/tmp}/$PROGRAM.$$.$1"; : >"$name" && printf '%s\n' "$name")
}

# Sends one heartbeat; the token travels in a curl config read from stdin, never on the command line (ps shows that).
send() {
  body_file=$(temp_file body) || return 1
  reply_file=$(temp_file reply) || { rm -f "$body_file"; return 1; }
  heartbeat_body >"$body_file"
  token=$(head -n 1 "$TOKEN_FILE" | tr -d ' \r\n\t')
  set -- --silent --show-error --max-time 15 --output "$reply_file" --write-out '%{http_code}' \
    --header 'Content-Type: application/json' --data-binary "@$body_file"
  [ -z "${LAZARUS_CACERT:-}" ] || set -- "$@" --cacert "$LAZARUS_CACERT"
  status=$(printf 'header = "Authorization: Bearer %s"\n' "$token" |
    curl --config - "$@" "${URL%/}/v1/agents/heartbeat")
  rc=$?
  reply=$(head -n 5 "$reply_file" 2>/dev/null | cut -c1-300)
  rm -f "$body_file" "$reply_file"
  if [ $rc -ne 0 ]; then
    log "heartbeat for $VM failed: curl exit $rc"
    return 1
  fi
  case "$status" in
    2??) log "heartbeat sent for $VM (HTTP $status)"; return 0 ;;
    *) log "heartbeat for $VM refused: HTTP $status $reply"; return 1 ;;
  esac
}

if [ "$ONCE" -eq 1 ]; then
  send
  exit $?
fi

log "reporting $VM to $URL every ${INTERVAL}s"
trap 'log "stopping"; exit 0' INT TERM
wait_s=$INTERVAL
while :; do
  if send; then
    wait_s=$INTERVAL
  else
    # Back off on errors (doubling, at most MAX_BACKOFF) so a down API is not hammered by every VM at once.
    wait_s=$((wait_s * 2))
    [ "$wait_s" -le "$MAX_BACKOFF" ] || wait_s=$MAX_BACKOFF
    [ "$wait_s" -ge "$INTERVAL" ] || wait_s=$INTERVAL
  fi
  sleep "$wait_s" &
  wait $!
done
