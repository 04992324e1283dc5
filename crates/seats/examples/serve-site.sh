# Sourced by load-serve.sh and renew-serve.sh: a real `entitle serve` on
# loopback for measuring. Expects `entitle` (the binary), `seats` (of the
# concurrent licence) and `machine` (--state-dir and --machine-id, or a
# --tpm, as an array); issues the licence with the example vendor key for
# the tenant LOAD, activates it, starts the server in a directory of its
# own, and sets `url` and `server` (its pid). All is removed on exit.
keys="$root/keys-example"
work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
cp "$keys/vendor.secret.pem" vendor.secret.pem && chmod 600 vendor.secret.pem
"$entitle" issue --key vendor.secret.pem --product gotoassist --edition corporate \
  --model concurrent --seats "$seats" --tenant LOAD --perpetual > licence.txt
"$entitle" activate request "${machine[@]}" --license @licence.txt > request.txt
"$entitle" activate respond --key vendor.secret.pem --ledger vendor.ledger \
  --license @licence.txt @request.txt > response.txt
"$entitle" activate accept --public "$keys/vendor.public.pem" "${machine[@]}" \
  --license @licence.txt @response.txt > /dev/null
"$entitle" serve --public "$keys/vendor.public.pem" "${machine[@]}" --tenant LOAD \
  --listen 127.0.0.1:0 @licence.txt > serve.log 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "serving on" serve.log && break; sleep 0.1; done
url=$(sed -n 's/^entitle: serving on //p' serve.log)
