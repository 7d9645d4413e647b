package io.incidentcorrelator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code correlator collect <kind>}: the collectors, one per process. */
@Command(name = "collect",
        mixinStandardHelpOptions = true,
        synopsisSubcommandLabel = "KIND",
        description = {
                "Runs one collector: reads a source and sends the event contract's Avro records to Kafka.",
                "%nRecords are registry-framed Avro from an idempotent producer with acks=all, or with --print "
                        + "scenario lines on stdout (replayable with `correlator replay`). A collector runs until "
                        + "SIGTERM / Ctrl-C, or with --once for one round. While Kafka is unreachable the records are "
                        + "kept and retried and the backlog is logged; nothing is dropped without a log line.",
                "%nSettings: every option that names an environment variable can also be set as "
                        + "INCIDENT_CORRELATOR_COLLECT_<OPTION> (--proxmox-url: INCIDENT_CORRELATOR_COLLECT_PROXMOX_URL; "
                        + "lists comma-separated) or as incident-correlator.collect.<option> in the --config file; the "
                        + "command line wins, then the environment. A collector's --help shows the value they give "
                        + "as Default:. Kafka: --bootstrap-servers or "
                        + "KAFKA_BOOTSTRAP_SERVERS (KAFKA_* for other client settings); registry: --schema-registry-url "
                        + "or INCIDENT_CORRELATOR_SCHEMA_REGISTRY_URL.",
                "%nExit codes: 0 done; 1 records not delivered, or nothing collected with --once; 2 usage or settings."},
        subcommands = {CollectKubernetesCommand.class, CollectProxmoxBackupCommand.class,
                CollectProxmoxMemoryCommand.class, CollectProxmoxHookCommand.class, CollectEtcdCommand.class,
                CollectInventoryCommand.class})
final class CollectCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Which collector? One of: "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
