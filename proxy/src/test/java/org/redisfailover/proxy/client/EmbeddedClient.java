package org.redisfailover.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.RedisEncoder;
import java.nio.charset.StandardCharsets;
import org.redisfailover.protocol.command.CommandClassifier;
import org.redisfailover.protocol.resp.RespRequestDecoder;
import org.redisfailover.protocol.topology.Topology;
import org.redisfailover.proxy.config.ProxyConfig;
import org.redisfailover.proxy.io.Transport;
import org.redisfailover.proxy.loop.LoopResources;
import org.redisfailover.proxy.loop.ProxyShared;
import org.redisfailover.proxy.topology.TopologyHolder;

/**
 * One client connection through the real pipeline on an EmbeddedChannel: decoder, encoder and session,
 * with the loop's resources on the channel's event loop. Nothing reaches a backend (an EmbeddedChannel's
 * loop cannot connect one), so tests use local commands and requests that wait for a master.
 */
final class EmbeddedClient implements AutoCloseable {

    final EmbeddedChannel channel = new EmbeddedChannel();
    final ProxyShared shared;
    final LoopResources resources;
    final ClientSession session;

    EmbeddedClient(ProxyConfig config, TopologyHolder topology) {
        shared = new ProxyShared(config, CommandClassifier.standard(), topology, Transport.best());
        resources = new LoopResources(channel.eventLoop(), shared, false);
        session = Client.session(channel, shared, resources);
        channel.pipeline().addLast(new RespRequestDecoder(config.limits(), session), new RedisEncoder(), session);
    }

    /** A client of a proxy whose fixed master is at {@code topology}'s. */
    EmbeddedClient(ProxyConfig config, Topology topology) {
        this(config, new TopologyHolder(topology));
    }

    /** Feeds {@code input} byte by byte and returns everything written back (after the flush batch ran). */
    String exchange(String input) {
        for (byte b : input.getBytes(StandardCharsets.ISO_8859_1)) {
            if (!channel.isOpen()) {
                break; // closed by the session: the rest of the input is never read
            }
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        return output();
    }

    /** Feeds {@code input} in one read, as a pipelining client's segment arrives. */
    String exchangeWhole(String input) {
        channel.writeInbound(Unpooled.copiedBuffer(input, StandardCharsets.ISO_8859_1));
        return output();
    }

    /** Everything written to the client since the last call, once the loop's pending tasks ran. */
    String output() {
        return written(channel);
    }

    /** Everything {@code channel} wrote since the last call, once its loop's pending tasks ran. */
    static String written(EmbeddedChannel channel) {
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) message;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    @Override
    public void close() {
        resources.close();
        channel.finishAndReleaseAll();
    }
}
