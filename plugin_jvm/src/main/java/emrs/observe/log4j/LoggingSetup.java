package emrs.observe.log4j;

import emrs.observe.config.ObserveConfig;
import java.beans.PropertyChangeEvent;
import java.beans.PropertyChangeListener;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.NullConfiguration;
import org.apache.logging.log4j.core.config.plugins.util.PluginManager;

/**
 * Wires log4j2 for shipping: either our appender on the root logger and on every logger with
 * additivity=false, or the user's own XML (in which {@code EmrsDatadog} can be used by name); then
 * the levels from ROOT_LOG_LEVEL and LOG_LEVEL. Problems are reported to the caller, who decides
 * whether they are fatal.
 *
 * <p>A job that reconfigures log4j (Configurator.reconfigure, its own log4j2.properties, a library
 * calling LoggerContext.setConfigLocation) replaces the whole Configuration, our appender with it.
 * Every replacement fires the LoggerContext's "config" property change after the new
 * configuration is started, so a listener puts our appender back on it (unless that
 * configuration declares EmrsDatadog itself) and counts it. Lines logged between the switch and
 * the listener, by other threads, are not shipped.
 */
public final class LoggingSetup {
    private static final String OUR_APPENDER = "EmrsDatadog";
    private static final String LEVELS = "TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF";
    private static final AtomicLong REATTACHED = new AtomicLong();
    private static final PropertyChangeListener ON_CONFIG = LoggingSetup::configChanged;
    private static LoggerContext listening;

    private LoggingSetup() {
    }

    /** How often our appender was put back on a configuration that a job or library loaded. */
    public static long reattachments() {
        return REATTACHED.get();
    }

    /** Installs logging; adds human-readable problems to {@code problems}. */
    public static void install(ObserveConfig cfg, Map<String, String> env, List<String> problems) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        if (cfg.log4jLocation != null) {
            // Our jar may join the classpath after log4j cached its plugin list (spark.jars):
            // name the package so the user's XML finds EmrsDatadog either way.
            PluginManager.addPackage(DatadogAppender.class.getPackage().getName());
            URI uri = resolve(cfg.log4jLocation);
            ctx.setConfigLocation(uri);
            if (findOurs(ctx.getConfiguration()) == null) {
                problems.add(ObserveConfig.LOG4J_LOCATION + "=" + cfg.log4jLocation + " has no <" + OUR_APPENDER
                        + "> appender on any logger, so this JVM ships no logs to Datadog");
            }
        } else {
            attach(ctx.getConfiguration());
        }
        ConsoleMarking.mark(ctx.getConfiguration());
        applyLevels(ctx, cfg, env, problems);
        synchronized (LoggingSetup.class) {
            if (listening == null) {
                ctx.addPropertyChangeListener(ON_CONFIG);
                listening = ctx;
            }
        }
        ctx.updateLoggers();
    }

    /** Whether log4j's console lines can be kept out of the stdout/stderr capture. */
    public static boolean consoleMarkingAvailable() {
        return ConsoleMarking.available();
    }

    /** Stops following reconfigurations and takes off the appenders we attached, before the flush. */
    public static void uninstall() {
        synchronized (LoggingSetup.class) {
            if (listening != null) {
                listening.removePropertyChangeListener(ON_CONFIG);
                listening = null;
            }
        }
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        boolean changed = false;
        for (LoggerConfig lc : loggerConfigs(config)) {
            Appender a = lc.getAppenders().get(OUR_APPENDER);
            if (a instanceof DatadogAppender && ((DatadogAppender) a).automatic) {
                lc.removeAppender(OUR_APPENDER);
                changed = true;
            }
        }
        if (changed) {
            ctx.updateLoggers();
        }
    }

    private static void configChanged(PropertyChangeEvent event) {
        if (!LoggerContext.PROPERTY_CONFIG.equals(event.getPropertyName())
                || !(event.getNewValue() instanceof Configuration)) {
            return;
        }
        Configuration config = (Configuration) event.getNewValue();
        if (config instanceof NullConfiguration) {
            return; // log4j shutting down (LoggerContext.stop): nothing will be logged to attach for
        }
        // updateLoggers() (Spark's setLogLevel, our own install) fires this too, for a configuration
        // that still has our appender: attach() then adds nothing and nothing is counted.
        if (attach(config)) {
            REATTACHED.incrementAndGet();
        }
        ConsoleMarking.mark(config);
    }

    /**
     * Puts the plugin's own appender on the root logger and on each logger with additivity=false
     * (their events never reach the root's appenders). A configuration that declares EmrsDatadog
     * itself is left as its author placed it. Returns whether a new appender had to be added.
     */
    static synchronized boolean attach(Configuration config) {
        DatadogAppender ours = null;
        for (Appender a : config.getAppenders().values()) {
            if (a instanceof DatadogAppender) {
                if (!((DatadogAppender) a).automatic) {
                    return false;
                }
                ours = (DatadogAppender) a;
            }
        }
        boolean added = false;
        if (ours == null) {
            ours = DatadogAppender.automatic(OUR_APPENDER);
            ours.start();
            config.addAppender(ours);
            added = true;
        }
        for (LoggerConfig lc : loggerConfigs(config)) {
            boolean root = lc == config.getRootLogger();
            if ((root || !lc.isAdditive()) && !lc.getAppenders().containsKey(OUR_APPENDER)) {
                lc.addAppender(ours, null, null);
            }
        }
        return added;
    }

    private static List<LoggerConfig> loggerConfigs(Configuration config) {
        List<LoggerConfig> all = new java.util.ArrayList<>(config.getLoggers().values());
        if (!all.contains(config.getRootLogger())) {
            all.add(config.getRootLogger());
        }
        return all;
    }

    static URI resolve(String location) {
        if (location.startsWith("classpath:")) {
            String res = location.substring("classpath:".length()).replaceFirst("^/", "");
            ClassLoader cl = Thread.currentThread().getContextClassLoader();
            URL url = cl == null ? null : cl.getResource(res);
            if (url == null) {
                url = LoggingSetup.class.getClassLoader().getResource(res);
            }
            if (url == null) {
                throw new IllegalArgumentException(ObserveConfig.LOG4J_LOCATION + "=" + location
                        + ": no such resource on the classpath");
            }
            try {
                return url.toURI();
            } catch (Exception e) {
                throw new IllegalArgumentException(ObserveConfig.LOG4J_LOCATION + "=" + location + ": " + e, e);
            }
        }
        URI uri = location.startsWith("file:") ? URI.create(location) : new File(location).toURI();
        if ("file".equals(uri.getScheme()) && !new File(uri).isFile()) {
            throw new IllegalArgumentException(ObserveConfig.LOG4J_LOCATION + "=" + location + ": no such file");
        }
        return uri;
    }

    private static Appender findOurs(Configuration config) {
        for (Appender a : config.getAppenders().values()) {
            if (a instanceof DatadogAppender) {
                return a;
            }
        }
        return null;
    }

    private static void applyLevels(LoggerContext ctx, ObserveConfig cfg, Map<String, String> env,
            List<String> problems) {
        Configuration config = ctx.getConfiguration();
        Level root = level(env.get("ROOT_LOG_LEVEL"), "ROOT_LOG_LEVEL", problems);
        if (root != null) {
            config.getRootLogger().setLevel(root);
        }
        Level pkgLevel = level(env.get("LOG_LEVEL"), "LOG_LEVEL", problems);
        if (pkgLevel != null) {
            if (cfg.logPackages.isEmpty()) {
                problems.add("LOG_LEVEL=" + env.get("LOG_LEVEL") + " is set but " + ObserveConfig.LOG_PACKAGES
                        + " names no package; LOG_LEVEL ignored");
            }
            for (String pkg : cfg.logPackages) {
                LoggerConfig lc = config.getLoggerConfig(pkg);
                if (lc.getName().equals(pkg)) {
                    lc.setLevel(pkgLevel);
                } else {
                    config.addLogger(pkg, new LoggerConfig(pkg, pkgLevel, true));
                }
            }
        }
    }

    private static Level level(String value, String name, List<String> problems) {
        if (value == null || value.trim().isEmpty()) {
            return null;
        }
        Level l = Level.toLevel(value.trim(), null);
        if (l == null) {
            problems.add(name + "='" + value + "' is not a log level (" + LEVELS + "); ignored");
        }
        return l;
    }
}
