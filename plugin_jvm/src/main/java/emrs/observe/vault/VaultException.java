package emrs.observe.vault;

/** A Vault call failed. The message names the endpoint and Vault's own reason, never a secret. */
public final class VaultException extends Exception {
    private static final long serialVersionUID = 1L;

    public VaultException(String message) {
        super(message);
    }

    public VaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
