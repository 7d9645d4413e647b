#!/bin/sh
# incident-correlator vzdump hook: tells the collector when a backup job and each guest's backup
# start and end, so restarts during a backup can be explained.
#
# Install (on every Proxmox node):
#   install -m 0755 vzdump-hook.sh /usr/local/bin/correlator-vzdump-hook
#   echo 'script: /usr/local/bin/correlator-vzdump-hook' >> /etc/vzdump.conf
#   optional config, /etc/default/correlator-vzdump-hook (root-owned, it is sourced):
#     CORRELATOR_HOOK_URL=https://collector.example:9477/vzdump
#     CORRELATOR_HOOK_TOKEN_FILE=/etc/correlator/vzdump-hook.token   # this node's own token, chmod 600
#     CORRELATOR_HOOK_CA_FILE=/etc/correlator/hook-ca.pem             # CA of the endpoint's certificate
#
# What vzdump gives a hook script (PVE::VZDump::run_hook_script), and what is relied on here:
#   $1          phase: job-init, job-start, job-end, job-abort, backup-start, backup-end,
#               backup-abort, log-end, pre-stop, pre-restart, post-restart
#   $2 $3       mode (stop/suspend/snapshot) and vmid, for the per-guest phases only
#   STOREID     target storage id (unset when --dumpdir is used)
#   HOSTNAME    the *guest's* host name (per-guest phases only); sent as "hostname", not the node
#   VMTYPE, DUMPDIR, TARGET, LOGFILE: not needed
# vzdump runs the hook with an otherwise empty environment (no PATH), so PATH is set below and
# the configuration comes from the file above, not from the environment. The Proxmox node name
# is `uname -n` without the domain (what PVE calls the node). The running job's UPID is the
# first line of /var/run/vzdump.pid (vzdump writes it once it holds its lock); the collector
# uses it to recognise phases the API poller reports too. A job id is only known when vzdump
# was started with --job-id on its command line.
#
# This script must never fail or hold up a backup for long: every error is logged to syslog and
# the exit status is always 0. Each attempt gives up after 5 seconds; a refused connection, a
# timeout, 408, 429 and 5xx are retried with backoff (1 s, 2 s, 4 s), all within 20 seconds, so a
# collector restart does not lose a phase. The certificate is always verified (never -k): against
# CORRELATOR_HOOK_CA_FILE when set, else the system's CAs.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

CONFIG=${CORRELATOR_HOOK_CONFIG:-/etc/default/correlator-vzdump-hook}
CORRELATOR_HOOK_URL=http://127.0.0.1:9477/vzdump
CORRELATOR_HOOK_TOKEN_FILE=/etc/correlator/vzdump-hook.token
CORRELATOR_HOOK_CA_FILE=
CORRELATOR_HOOK_RETRIES=3
CORRELATOR_VZDUMP_PIDFILE=/var/run/vzdump.pid
if [ -r "$CONFIG" ]; then
    . "$CONFIG"
fi

log_failure() {
    logger -t correlator-vzdump-hook -p daemon.warning -- "$*" 2>/dev/null || true
}

# JSON string content: backslash and quote escaped, control characters dropped.
json_escape() {
    printf '%s' "$1" | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

main() {
    phase=$1
    case "$phase" in
        job-start|job-end|job-abort) vmid= mode= ;;
        backup-start|backup-end|backup-abort) mode=$2 vmid=$3 ;;
        *) return 0 ;;
    esac

    node=$(uname -n 2>/dev/null)
    node=${node%%.*}

    upid=
    if [ -r "$CORRELATOR_VZDUMP_PIDFILE" ]; then
        upid=$(head -n 1 "$CORRELATOR_VZDUMP_PIDFILE" 2>/dev/null)
        case "$upid" in
            UPID:*:vzdump:*) ;;
            *) upid= ;;
        esac
    fi

    jobid=
    if [ -r "/proc/$PPID/cmdline" ]; then
        jobid=$(tr '\000' ' ' < "/proc/$PPID/cmdline" 2>/dev/null \
            | sed -n 's/.*--job-id[ =]\([^ ]*\).*/\1/p')
    fi

    body=$(printf '{"phase":"%s","mode":"%s","vmid":"%s","node":"%s","hostname":"%s","storeid":"%s","upid":"%s","jobid":"%s"}' \
        "$(json_escape "$phase")" "$(json_escape "$mode")" "$(json_escape "$vmid")" "$(json_escape "$node")" \
        "$(json_escape "${HOSTNAME:-}")" "$(json_escape "${STOREID:-}")" "$(json_escape "$upid")" \
        "$(json_escape "$jobid")")

    # The token goes to curl on stdin (-H @-), never on its command line where ps would show it.
    token=
    if [ -n "$CORRELATOR_HOOK_TOKEN_FILE" ] && [ -r "$CORRELATOR_HOOK_TOKEN_FILE" ]; then
        token=$(tr -d ' \t\r\n' < "$CORRELATOR_HOOK_TOKEN_FILE" 2>/dev/null)
    fi
    if [ -n "$token" ]; then
        headers="Authorization: Bearer $token"
    else
        headers="X-Correlator-Hook: 1"
    fi

    set -- --retry "$CORRELATOR_HOOK_RETRIES" --retry-connrefused --retry-max-time 20
    if [ -n "$CORRELATOR_HOOK_CA_FILE" ]; then
        set -- "$@" --cacert "$CORRELATOR_HOOK_CA_FILE"
    fi
    if ! err=$(printf '%s\n' "$headers" | curl -sS --fail --proto =http,https --connect-timeout 2 --max-time 5 \
            "$@" -H @- -H 'Content-Type: application/json' --data-binary "$body" \
            -o /dev/null "$CORRELATOR_HOOK_URL" 2>&1); then
        log_failure "could not report $phase${vmid:+ of VM $vmid} to $CORRELATOR_HOOK_URL: $err"
    fi
    return 0
}

main "$@" || true
exit 0
