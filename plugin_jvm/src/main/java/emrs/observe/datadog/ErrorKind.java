package emrs.observe.datadog;

/**
 * An error that is not a JVM exception (a Python traceback read from stdout): its
 * {@code error.kind} is the foreign type's name, not the Java class carrying it.
 */
public interface ErrorKind {
    String kind();
}
