package io.incidentcorrelator.collectors.etcd;

import java.io.IOException;

/** Gets one member's {@code /metrics} text; a seam so tests can replay recorded scrapes. */
@FunctionalInterface
interface MetricsFetcher {

    String fetch(EtcdMember member) throws IOException, InterruptedException;
}
