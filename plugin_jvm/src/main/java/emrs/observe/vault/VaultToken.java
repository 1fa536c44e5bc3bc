package emrs.observe.vault;

/** A Vault client token with what Vault said about its lifetime. */
public final class VaultToken {
    public final Secret token;
    public final long leaseSeconds;
    public final boolean renewable;

    public VaultToken(Secret token, long leaseSeconds, boolean renewable) {
        this.token = token;
        this.leaseSeconds = leaseSeconds;
        this.renewable = renewable;
    }
}
