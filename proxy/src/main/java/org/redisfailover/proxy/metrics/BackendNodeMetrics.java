package org.redisfailover.proxy.metrics;

import com.codahale.metrics.Meter;

/**
 * What the proxy records about one Redis node, shared by every event loop's connections to it.
 *
 * @param sent     requests written to the node
 * @param latency  replies counted, and the send-to-reply time of sampled requests in nanoseconds
 * @param lost     requests whose connection broke before the reply
 * @param failures connections that failed (refused, reset, timed out)
 */
public record BackendNodeMetrics(Meter sent, SampledLatency latency, Meter lost, Meter failures) {}
