package org.redisfailover.app;

/**
 * A start that cannot go on for a reason the operator can act on (an address in use, a host that does not
 * resolve): printed as one line naming the option and the value, with no stack trace, exit status 1.
 */
final class StartFailure extends RuntimeException {

    StartFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code option}: cannot listen on {@code address}, and why, in words. */
    static StartFailure cannotListen(String option, Object address, Throwable cause) {
        return new StartFailure(option + ": cannot listen on " + address + ": " + why(cause), cause);
    }

    /** The innermost message, or what an exception without one means. */
    static String why(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof java.nio.channels.UnresolvedAddressException
                || root instanceof java.net.UnknownHostException) {
            return "the host name does not resolve";
        }
        String message = root.getMessage();
        if (message == null) {
            return root.getClass().getSimpleName();
        }
        // Netty's native transport: "bind(..) failed with error(-98): Address already in use"
        int colon = message.lastIndexOf("): ");
        return colon >= 0 ? message.substring(colon + 3) : message;
    }
}
