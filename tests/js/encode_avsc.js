// A lender's writer in JavaScript: encodes an Avro JSON payload with avsc, in Avro single-object encoding
// (C3 01 | CRC-64-AVRO fingerprint of avsc's own canonical form, little-endian | binary datum), and prints
//   {"record": "<hex>", "fingerprints": {"<Name>/v<N>": "<hex>", ...}}
// with the fingerprint avsc's canonical form gives every schema version under the schemas directory.
// Usage: node encode_avsc.js <schemas dir> <Name> <version> <payload.json>   (avsc from .node/, `make node-deps`)
'use strict';
const fs = require('fs');
const path = require('path');
const avsc = require(require.resolve('avsc', { paths: [path.join(__dirname, '..', '..', '.node')] }));

const EMPTY = 0xc15d213aa4d7a795n;
const TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
  return fp;
});

function crc64Avro(text) {
  let fp = EMPTY;
  for (const byte of Buffer.from(text, 'utf8')) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)];
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}

function load(schemasDir, name, version) {
  const schema = JSON.parse(fs.readFileSync(path.join(schemasDir, name, `v${version}.avsc`), 'utf8'));
  return avsc.Type.forSchema(schema, { wrapUnions: true });  // unions as Avro's JSON encoding writes them
}

function fingerprint(type) {
  return crc64Avro(JSON.stringify(type.schema()));  // schema() with no options: the parsing canonical form
}

const [schemasDir, name, version, payloadPath] = process.argv.slice(2);
const type = load(schemasDir, name, version);
const payload = type.clone(JSON.parse(fs.readFileSync(payloadPath, 'utf8')));
const record = Buffer.concat([Buffer.from([0xc3, 0x01]), fingerprint(type), type.toBuffer(payload)]);
const fingerprints = {};
for (const dir of fs.readdirSync(schemasDir).sort()) {
  if (!fs.statSync(path.join(schemasDir, dir)).isDirectory()) continue;
  for (const file of fs.readdirSync(path.join(schemasDir, dir))) {
    const match = /^v(\d+)\.avsc$/.exec(file);
    if (match) fingerprints[`${dir}/v${match[1]}`] = fingerprint(load(schemasDir, dir, match[1])).toString('hex');
  }
}
console.log(JSON.stringify({ record: record.toString('hex'), fingerprints }));
