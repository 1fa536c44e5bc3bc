package emrs.observe.log4j;

import emrs.observe.config.ObserveConfig;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.plugins.util.PluginManager;

/**
 * Wires log4j2 for shipping: either our appender on the root logger, or the user's own XML
 * (in which {@code EmrsDatadog} can be used by name); then the levels from ROOT_LOG_LEVEL and
 * LOG_LEVEL. Problems are reported to the caller, who decides whether they are fatal.
 */
public final class LoggingSetup {
    private static final String OUR_APPENDER = "EmrsDatadog";
    private static final String LEVELS = "TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF";

    private LoggingSetup() {
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
            Configuration config = ctx.getConfiguration();
            if (findOurs(config) == null) {
                DatadogAppender appender = DatadogAppender.createAppender(OUR_APPENDER, null);
                appender.start();
                config.addAppender(appender);
                config.getRootLogger().addAppender(appender, null, null);
            }
        }
        applyLevels(ctx, cfg, env, problems);
        ctx.updateLoggers();
    }

    /** Takes our appender off the root logger (when we put it there) before the flush. */
    public static void uninstall() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        Appender ours = config.getRootLogger().getAppenders().get(OUR_APPENDER);
        if (ours instanceof DatadogAppender) {
            config.getRootLogger().removeAppender(OUR_APPENDER);
            ctx.updateLoggers();
        }
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
