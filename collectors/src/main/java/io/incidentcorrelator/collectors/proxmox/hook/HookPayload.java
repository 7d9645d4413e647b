package io.incidentcorrelator.collectors.proxmox.hook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.incidentcorrelator.avro.BackupPhase;
import io.incidentcorrelator.collectors.proxmox.internal.Upid;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One validated POST from the vzdump hook script. Messages of {@link Invalid} go back to the
 * caller as the 400 body, so they say what is wrong and quote at most a short excerpt.
 */
record HookPayload(BackupPhase phase, String node, Integer vmid, String mode, String guestName, String storage,
                   String jobId, String upid) {

    static final int MAX_NAME = 253;

    /** vzdump's hook phases we report; the others (job-init, pre-stop, log-end, ...) are rejected. */
    static final Map<String, BackupPhase> PHASES = Map.of(
            "job-start", BackupPhase.JOB_START,
            "job-end", BackupPhase.JOB_END,
            "job-abort", BackupPhase.JOB_ABORT,
            "backup-start", BackupPhase.BACKUP_START,
            "backup-end", BackupPhase.BACKUP_END,
            "backup-abort", BackupPhase.BACKUP_ABORT);
    private static final String PHASE_LIST = "job-start, backup-start, backup-end, backup-abort, job-end, job-abort";

    // Proxmox node and storage ids are DNS-label-like; job ids add ':'; UPIDs add '@' and '!'.
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");
    private static final Pattern UPID = Pattern.compile("UPID:[A-Za-z0-9._:@!-]+");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,9}");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static HookPayload parse(byte[] body) throws Invalid {
        final String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new Invalid("body is not UTF-8");
        }
        final JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Invalid("body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("body must be a JSON object like {\"phase\": \"backup-start\", \"node\": \"pve1\", \"vmid\": 201}");
        }
        final String phaseText = string(root, "phase", true);
        final BackupPhase phase = PHASES.get(phaseText);
        if (phase == null) {
            throw new Invalid("unknown phase \"" + excerpt(phaseText) + "\" (expected one of " + PHASE_LIST + ")");
        }
        final String node = name(root, "node", NAME, true);
        final boolean guestPhase = phaseText.startsWith("backup-");
        final Integer vmid = vmid(root, guestPhase);
        final String upid = name(root, "upid", UPID, false);
        if (upid != null && Upid.parse(upid).isEmpty()) {
            throw new Invalid("field \"upid\": not a Proxmox task id (UPID:node:pid:pstart:starttime:type:id:user:)");
        }
        return new HookPayload(phase, node, guestPhase ? vmid : null,
                guestPhase ? name(root, "mode", NAME, false) : null,
                guestPhase ? string(root, "hostname", false) : null,
                name(root, "storeid", NAME, false),
                name(root, "jobid", JOB_ID, false),
                upid);
    }

    private static Integer vmid(JsonNode root, boolean required) throws Invalid {
        final JsonNode v = root.get("vmid");
        if (v == null || v.isNull() || (v.isTextual() && v.textValue().isEmpty())) {
            if (required) {
                throw new Invalid("field \"vmid\" is required for backup-* phases");
            }
            return null;
        }
        final String digits = v.isIntegralNumber() ? v.asText() : v.isTextual() ? v.textValue() : null;
        if (digits == null || !DIGITS.matcher(digits).matches() || Integer.parseInt(digits) < 1) {
            throw new Invalid("field \"vmid\": expected a numeric guest id, got " + excerpt(v.toString()));
        }
        return Integer.parseInt(digits);
    }

    /** A string field; empty counts as absent because the script sends "" for unset variables. */
    private static String string(JsonNode root, String field, boolean required) throws Invalid {
        final JsonNode v = root.get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.textValue().isEmpty())) {
            if (required) {
                throw new Invalid("field \"" + field + "\" is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new Invalid("field \"" + field + "\": expected a string, got " + excerpt(v.toString()));
        }
        final String s = v.textValue();
        if (s.length() > MAX_NAME) {
            throw new Invalid("field \"" + field + "\": longer than " + MAX_NAME + " characters");
        }
        if (CONTROL.matcher(s).find()) {
            throw new Invalid("field \"" + field + "\": contains control characters");
        }
        return s;
    }

    private static String name(JsonNode root, String field, Pattern allowed, boolean required) throws Invalid {
        final String s = string(root, field, required);
        if (s != null && !allowed.matcher(s).matches()) {
            throw new Invalid("field \"" + field + "\": \"" + excerpt(s) + "\" has characters a Proxmox "
                    + field + " cannot have");
        }
        return s;
    }

    private static String excerpt(String s) {
        final String clean = CONTROL.matcher(s).replaceAll("?");
        return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
    }
}
