package io.incidentcorrelator.collectors.etcd;

import io.incidentcorrelator.collectors.TlsOptions;
import io.incidentcorrelator.topics.TopicNames;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the etcd collector scrapes and how.
 *
 * @param cluster        cluster name put into every sample (and its key)
 * @param members        the members to scrape, each on its own
 * @param interval       time between scrapes; each sample covers one interval
 * @param requestTimeout bound on one scrape (connect plus response)
 * @param maxBackoff     longest wait between attempts while a member is failing
 * @param tls            certificate verification for https endpoints (client certificates are not supported)
 * @param topic          topic to send samples to
 */
public record EtcdConfig(String cluster, List<EtcdMember> members, Duration interval, Duration requestTimeout,
                         Duration maxBackoff, TlsOptions tls, String topic) {

    public EtcdConfig {
        Objects.requireNonNull(cluster, "cluster");
        members = List.copyOf(members);
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(topic, "topic");
        if (cluster.isBlank()) {
            throw new IllegalArgumentException("cluster is blank");
        }
        if (members.isEmpty()) {
            throw new IllegalArgumentException("no etcd members to scrape");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        if (maxBackoff.compareTo(interval) < 0) {
            maxBackoff = interval;
        }
    }

    /** 15 s interval, 5 s timeout, backoff up to 5 min, system trust store, the contract's topic. */
    public static EtcdConfig of(String cluster, List<EtcdMember> members) {
        return new EtcdConfig(cluster, members, Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofMinutes(5),
                TlsOptions.verifyWithSystemTrust(), TopicNames.defaults().etcdLatency());
    }

    public EtcdConfig withInterval(Duration newInterval) {
        return new EtcdConfig(cluster, members, newInterval, requestTimeout, maxBackoff, tls, topic);
    }

    public EtcdConfig withTls(TlsOptions newTls) {
        return new EtcdConfig(cluster, members, interval, requestTimeout, maxBackoff, newTls, topic);
    }

    public EtcdConfig withTopic(String newTopic) {
        return new EtcdConfig(cluster, members, interval, requestTimeout, maxBackoff, tls, newTopic);
    }
}
