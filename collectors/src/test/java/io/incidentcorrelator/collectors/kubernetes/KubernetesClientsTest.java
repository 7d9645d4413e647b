package io.incidentcorrelator.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.incidentcorrelator.collectors.testing.LogCapture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;

class KubernetesClientsTest {

    @Test
    void theWarmUpParsesItsSamplesWithoutAComplaint() {
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                io.fabric8.kubernetes.client.Config.empty()).withMasterUrl("http://127.0.0.1:9").build()).build();
             LogCapture log = LogCapture.start()) {
            KubernetesClients.warmUp(client);
            assertFalse(log.text().contains("warm-up failed"), log.text());
            // The samples are what the API sends: a pod list parses to one pod with its statuses.
            assertFalse(client.getKubernetesSerialization().unmarshal(
                    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[]}", PodList.class) == null);
        }
    }
}
