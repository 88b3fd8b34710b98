package dev.redisproxy.cache;

/** A front end asks the cache verticle for one key. Sent over the local event bus only. */
public record Lookup(Key key) {
}
