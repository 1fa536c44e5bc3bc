package emrs.observe.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import emrs.observe.http.HttpCall;
import emrs.observe.http.HttpResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standard AWS credential chain, in the SDK's order: environment variables, web identity
 * token (EKS / EMR on EKS), the container credentials endpoint (ECS, EMR Serverless), and the
 * EC2 instance metadata service v2. Each step that does not apply is skipped; the error of the
 * last one that applied but failed is reported.
 */
public final class AwsCredentialsChain {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTAINER_HOST = "http://169.254.170.2";
    private static final String IMDS_HOST = "http://169.254.169.254";

    private final Map<String, String> env;
    private final int timeoutMs;

    public AwsCredentialsChain(Map<String, String> env, int timeoutMs) {
        this.env = env;
        this.timeoutMs = timeoutMs;
    }

    public AwsCredentials resolve() throws IOException {
        List<String> tried = new ArrayList<>();
        String id = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        if (!AwsCredentials.isBlank(id) && !AwsCredentials.isBlank(secret)) {
            return new AwsCredentials(id, secret, env.get("AWS_SESSION_TOKEN"), "environment");
        }
        tried.add("environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set)");

        String tokenFile = env.get("AWS_WEB_IDENTITY_TOKEN_FILE");
        String roleArn = env.get("AWS_ROLE_ARN");
        if (!AwsCredentials.isBlank(tokenFile) && !AwsCredentials.isBlank(roleArn)) {
            return webIdentity(tokenFile, roleArn);
        }
        tried.add("web identity (AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN not set)");

        String relative = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        String full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        if (!AwsCredentials.isBlank(relative) || !AwsCredentials.isBlank(full)) {
            return container(!AwsCredentials.isBlank(relative) ? CONTAINER_HOST + relative : full);
        }
        tried.add("container endpoint (AWS_CONTAINER_CREDENTIALS_*_URI not set)");

        if (!"true".equalsIgnoreCase(env.get("AWS_EC2_METADATA_DISABLED"))) {
            try {
                return instanceMetadata();
            } catch (IOException e) {
                tried.add("instance metadata v2 (" + e.getMessage() + ")");
            }
        }
        throw new IOException("no AWS credentials found; tried " + String.join(", ", tried));
    }

    private AwsCredentials webIdentity(String tokenFile, String roleArn) throws IOException {
        String token = readFile(tokenFile, "AWS_WEB_IDENTITY_TOKEN_FILE");
        String region = env.get("AWS_REGION") != null ? env.get("AWS_REGION") : env.get("AWS_DEFAULT_REGION");
        String endpoint = env.get("AWS_ENDPOINT_URL_STS") != null ? env.get("AWS_ENDPOINT_URL_STS")
                : region == null ? "https://sts.amazonaws.com" : "https://sts." + region + ".amazonaws.com";
        String session = env.get("AWS_ROLE_SESSION_NAME") != null ? env.get("AWS_ROLE_SESSION_NAME")
                : "emrs-observe-" + System.currentTimeMillis();
        // AssumeRoleWithWebIdentity is the one STS call that is not signed: the token is the proof.
        String body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + url(roleArn)
                + "&RoleSessionName=" + url(session) + "&WebIdentityToken=" + url(token);
        HttpResponse r = HttpCall.of("POST", endpoint + "/")
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .header("Accept", "application/xml")
                .body(body).timeouts(timeoutMs, timeoutMs).execute();
        if (!r.ok()) {
            // STS's own code says which fix applies: expired token, role trust policy, wrong audience.
            throw new IOException("STS AssumeRoleWithWebIdentity at " + endpoint + " for " + roleArn
                    + " answered HTTP " + r.status() + stsError(r.bodyText()));
        }
        String xml = r.bodyText();
        return new AwsCredentials(xmlValue(xml, "AccessKeyId"), xmlValue(xml, "SecretAccessKey"),
                xmlValue(xml, "SessionToken"), "web identity token (" + roleArn + ")");
    }

    private AwsCredentials container(String uri) throws IOException {
        HttpCall call = HttpCall.of("GET", uri).timeouts(timeoutMs, timeoutMs);
        String auth = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        String authFile = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        if (!AwsCredentials.isBlank(authFile)) {
            auth = readFile(authFile, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        }
        if (!AwsCredentials.isBlank(auth)) {
            call.header("Authorization", auth);
        }
        HttpResponse r = call.execute();
        if (!r.ok()) {
            throw new IOException("container credentials endpoint " + uri + " answered HTTP " + r.status());
        }
        return fromJson(r.body(), "container credentials endpoint");
    }

    private AwsCredentials instanceMetadata() throws IOException {
        String host = env.getOrDefault("AWS_EC2_METADATA_SERVICE_ENDPOINT", IMDS_HOST).replaceAll("/+$", "");
        int t = Math.min(timeoutMs, 1_000);
        HttpResponse token = HttpCall.of("PUT", host + "/latest/api/token")
                .header("X-aws-ec2-metadata-token-ttl-seconds", "21600").timeouts(t, t).execute();
        if (!token.ok()) {
            throw new IOException("IMDSv2 token request answered HTTP " + token.status());
        }
        String tok = token.bodyText().trim();
        String base = host + "/latest/meta-data/iam/security-credentials/";
        HttpResponse roles = HttpCall.of("GET", base).header("X-aws-ec2-metadata-token", tok)
                .timeouts(t, t).execute();
        if (!roles.ok() || roles.bodyText().trim().isEmpty()) {
            throw new IOException("no instance profile role (HTTP " + roles.status() + ")");
        }
        String role = roles.bodyText().trim().split("\n")[0].trim();
        HttpResponse creds = HttpCall.of("GET", base + role).header("X-aws-ec2-metadata-token", tok)
                .timeouts(t, t).execute();
        if (!creds.ok()) {
            throw new IOException("instance metadata credentials for role " + role + " answered HTTP "
                    + creds.status());
        }
        return fromJson(creds.body(), "instance metadata (IMDSv2)");
    }

    private static AwsCredentials fromJson(byte[] body, String source) throws IOException {
        JsonNode n = JSON.readTree(body);
        return new AwsCredentials(n.path("AccessKeyId").asText(null), n.path("SecretAccessKey").asText(null),
                n.path("Token").asText(null), source);
    }

    /**
     * A token file named by an environment variable. The JDK's own messages are the bare path or
     * "Is a directory", which say neither which variable pointed there nor what went wrong.
     */
    private static String readFile(String file, String variable) throws IOException {
        try {
            return new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + variable + " " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read " + variable + " " + file + ": permission denied", e);
        } catch (IOException | InvalidPathException e) {
            throw new IOException("cannot read " + variable + " " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        }
    }

    private static String stsError(String xml) {
        String code = xmlText(xml, "Code");
        String message = xmlText(xml, "Message");
        String c = code == null ? "" : code;
        String m = message == null ? "" : unescape(message);
        if (c.isEmpty() && m.isEmpty()) {
            return "";
        }
        return ": " + c + (c.isEmpty() || m.isEmpty() ? "" : ": ") + m;
    }

    private static String unescape(String xml) {
        return xml.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
                .replace("&amp;", "&");
    }

    private static String xmlValue(String xml, String tag) throws IOException {
        String value = xmlText(xml, tag);
        if (value == null) {
            throw new IOException("STS answer has no <" + tag + ">");
        }
        return value;
    }

    /** The trimmed text of the first {@code <tag>} element, or null when there is none. */
    private static String xmlText(String xml, String tag) {
        Matcher m = Pattern.compile("<" + tag + ">([^<]*)</" + tag + ">").matcher(xml);
        return m.find() ? m.group(1).trim() : null;
    }

    private static String url(String s) throws IOException {
        return URLEncoder.encode(s, "UTF-8");
    }
}
