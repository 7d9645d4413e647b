/**
 * The only main classes bound to Kafka's internal (non-public) APIs, so that a Kafka upgrade
 * touches this package alone; the tests that must stay green are listed in the module README
 * ("Kafka internals and the upgrade checklist").
 */
package io.incidentcorrelator.kafkainternal;
