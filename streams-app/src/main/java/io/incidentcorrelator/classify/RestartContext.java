package io.incidentcorrelator.classify;

import io.incidentcorrelator.avro.PodRestart;

import java.util.List;
import java.util.Objects;

/**
 * Everything known about one restart when it is classified: the restart, where its node runs,
 * the backup runs that touch that host (as source or as the host receiving the backup), the
 * host's pressure and the cluster's etcd over the look-back window.
 */
public record RestartContext(
        PodRestart restart,
        Placement placement,
        List<BackupActivity> backups,
        HostPressure host,
        EtcdPressure etcd) {

    public RestartContext {
        Objects.requireNonNull(restart, "restart");
        backups = backups == null ? List.of() : List.copyOf(backups);
        host = host == null ? HostPressure.NONE : host;
        etcd = etcd == null ? EtcdPressure.NONE : etcd;
    }
}
