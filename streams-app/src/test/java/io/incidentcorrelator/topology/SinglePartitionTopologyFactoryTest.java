package io.incidentcorrelator.topology;

/**
 * Every case of {@link TopologyFactoryTest} in the shape the topology takes when every input
 * topic has one partition: route-by-cluster feeds the classifier without the repartition topic,
 * and must give the same incidents, dead letters and web-view stores.
 */
class SinglePartitionTopologyFactoryTest extends TopologyFactoryTest {

    @Override
    TopologyFactory.Shape shape() {
        return TopologyFactory.Shape.SINGLE_PARTITION;
    }
}
