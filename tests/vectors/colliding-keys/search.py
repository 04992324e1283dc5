"""Two Ed25519 keys with one entitle key id (SHA-512("entitle key id v1\0"
|| public key)[..4]): a birthday search, a few seconds. Writes a.pem and
b.pem (PKCS#8) and their public halves a.pub.pem, b.pub.pem: the test fixture
of tests/attacks.rs. Needs Python's
`cryptography`. Usage: python3 search.py"""
import hashlib
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

seen = {}
while True:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = hashlib.sha512(b"entitle key id v1\0" + public).digest()[:4]
    if key_id in seen:
        for name, k in (("a.pem", seen[key_id]), ("b.pem", key)):
            pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
            open(name, "wb").write(pem)
            public_pem = k.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo)
            open(name.replace(".pem", ".pub.pem"), "wb").write(public_pem)
        print(key_id.hex(), len(seen))
        break
    seen[key_id] = key
