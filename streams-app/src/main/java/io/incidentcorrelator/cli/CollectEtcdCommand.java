package io.incidentcorrelator.cli;

import io.incidentcorrelator.collectors.EventWriter;
import io.incidentcorrelator.collectors.etcd.EtcdCollector;
import io.incidentcorrelator.collectors.etcd.EtcdConfig;
import io.incidentcorrelator.collectors.etcd.EtcdMember;
import io.incidentcorrelator.config.CollectorBuiltIns;
import io.incidentcorrelator.config.ConfigLoader.ConfigException;
import io.incidentcorrelator.topics.TopicNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code correlator collect etcd}: WAL fsync / backend commit p99, db sizes and leader per member. */
@Command(name = "etcd",
        mixinStandardHelpOptions = true,
        description = {
                "Scrapes etcd members' /metrics and sends EtcdLatencySamples.",
                "%nOne sample per member per interval (key CLUSTER/MEMBER): WAL fsync and backend commit p99 from "
                        + "histogram deltas, slow applies, db size and in-use size, leader flag. The first scrape is a "
                        + "baseline, so --once scrapes twice, --interval apart."})
final class CollectEtcdCommand extends CollectorCommand {

    @Option(names = "--cluster", paramLabel = "NAME",
            description = "Cluster name in every sample and key (env INCIDENT_CORRELATOR_COLLECT_CLUSTER).")
    String clusterName;

    @Option(names = "--endpoint", paramLabel = "[NAME=]URL",
            description = {"A member's metrics endpoint, e.g. http://127.0.0.1:2381 or cp-01=https://10.0.0.5:2379; "
                    + "repeat for each member (env INCIDENT_CORRELATOR_COLLECT_ENDPOINT, comma-separated). The path "
                    + "defaults to /metrics; the member name to the URL's host, since etcd does not put its --name "
                    + "into its metrics."})
    List<String> endpoints;

    @Option(names = "--interval", paramLabel = "DURATION",
            defaultValue = CollectorBuiltIns.ETCD_INTERVAL,
            description = "Time between scrapes; each sample covers one (env "
                    + "INCIDENT_CORRELATOR_COLLECT_INTERVAL).")
    String interval;

    @Mixin
    TlsFlags tls;

    @Override
    String defaultTopic(TopicNames names) {
        return names.etcdLatency();
    }

    @Override
    int collect(EventWriter sink, String topic) throws Exception {
        final List<String> specs = settings.list(endpoints, "endpoint");
        if (specs.isEmpty()) {
            throw new ConfigException("--endpoint is required (or set INCIDENT_CORRELATOR_COLLECT_ENDPOINT)");
        }
        final EtcdConfig etcd;
        try {
            etcd = EtcdConfig.of(settings.required(clusterName, "cluster"),
                            specs.stream().map(EtcdMember::parse).toList())
                    .withInterval(settings.duration(interval, "interval"))
                    .withTls(tls.resolve(settings))
                    .withTopic(topic);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        final EtcdCollector collector = new EtcdCollector(etcd, sink);
        watch(collector::sources);
        return pollLoop(collector::pollOnce, collector::nextPollDelay, collector::collectOnce, true);
    }
}
