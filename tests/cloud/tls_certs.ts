// Certificates made for the test with openssl: a private CA, a server
// certificate it signs for "localhost" only (so 127.0.0.1 is a name mismatch),
// and a second, unrelated CA that must not be trusted.
export interface TestCerts {
  dir: string;
  caFile: string;
  otherCaFile: string;
  certFile: string;
  keyFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output().catch((err) => {
      throw new Error(`openssl is needed for these tests (apt-get install openssl): ${err}`);
    });
  if (out.code !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/**
 * `extraNames` adds subject alternative names (e.g. "IP:127.0.0.2", a loopback address that is
 * not in any allow-list, standing in for a self-hosted server's own name).
 */
export async function makeTestCerts(extraNames: string[] = []): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "stigmer-tls-" });
  for (const name of ["ca", "other-ca"]) {
    await openssl(
      ["req", "-x509", ...EC, "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2"]
        .concat(["-subj", `/CN=stigmer test ${name}`]),
      dir,
    );
  }
  await openssl(
    ["req", ...EC, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
    dir,
  );
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    `subjectAltName=${
      ["DNS:localhost", ...extraNames].join(",")
    }\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ], dir);
  return {
    dir,
    caFile: `${dir}/ca.pem`,
    otherCaFile: `${dir}/other-ca.pem`,
    certFile: `${dir}/server.pem`,
    keyFile: `${dir}/server.key`,
  };
}
