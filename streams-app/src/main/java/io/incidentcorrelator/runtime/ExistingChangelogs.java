package io.incidentcorrelator.runtime;

import io.incidentcorrelator.topology.ChangelogSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Kafka Streams configures the changelogs it creates, never existing ones: a box whose changelogs
 * were created before {@link ChangelogSettings} would keep its week-long segments and restore them
 * at every start. {@code run} brings them up to date before Kafka Streams starts.
 */
public final class ExistingChangelogs {

    private static final long TIMEOUT_SECONDS = 30;

    private ExistingChangelogs() {
    }

    /** @return the changelogs of {@code applicationId} whose settings were changed */
    public static List<String> update(Admin admin, String applicationId) {
        try {
            final List<ConfigResource> changelogs = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .stream()
                    .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog"))
                    .sorted()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                    .toList();
            if (changelogs.isEmpty()) {
                return List.of();
            }
            final Map<ConfigResource, Config> current = admin.describeConfigs(changelogs).all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            final Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
            for (ConfigResource topic : changelogs) {
                final List<AlterConfigOp> ops = new ArrayList<>();
                ChangelogSettings.TOPIC_CONFIG.forEach((name, value) -> {
                    final ConfigEntry entry = current.get(topic).get(name);
                    if (entry == null || !value.equals(entry.value())) {
                        ops.add(new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET));
                    }
                });
                if (!ops.isEmpty()) {
                    changes.put(topic, ops);
                }
            }
            if (!changes.isEmpty()) {
                admin.incrementalAlterConfigs(changes).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            return changes.keySet().stream().map(ConfigResource::name).toList();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot update the changelog settings of " + applicationId + ": "
                    + Failures.rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while updating the changelog settings of " + applicationId, e);
        }
    }
}
