// seed_smpp.js - seeds for fuzz_smpp, built with the npm smpp package (an
// independent encoder). Run from tests/smsc (npm install there first):
//   node ../fuzz/seed_smpp.js ../fuzz/corpus/smpp
const smpp = require(process.cwd() + '/node_modules/smpp');
const fs = require('fs');
const out = process.argv[2];
const pdu = (cmd, opts) => new smpp.PDU(cmd, opts).toBuffer();
const P = {
  bind_resp: pdu('bind_transceiver_resp', {sequence_number: 1, system_id: 'SMSC'}),
  bind_fail: pdu('bind_transceiver_resp', {sequence_number: 1, command_status: 0x0e}),
  sub_ok: pdu('submit_sm_resp', {sequence_number: 2, message_id: 'abc123'}),
  sub_ok3: pdu('submit_sm_resp', {sequence_number: 3, message_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0'}),
  sub_throttled: pdu('submit_sm_resp', {sequence_number: 2, command_status: 0x58}),
  sub_bad_dst: pdu('submit_sm_resp', {sequence_number: 3, command_status: 0x0b}),
  sub_qfull: pdu('submit_sm_resp', {sequence_number: 4, command_status: 0x14}),
  nack2: pdu('generic_nack', {sequence_number: 2, command_status: 0x03}),
  nack9: pdu('generic_nack', {sequence_number: 9, command_status: 0x01}),
  enq: pdu('enquire_link', {sequence_number: 77}),
  enq_resp: pdu('enquire_link_resp', {sequence_number: 5}),
  unbind: pdu('unbind', {sequence_number: 78}),
  mo: pdu('deliver_sm', {sequence_number: 10, source_addr: '12025550143', destination_addr: '12025550100', short_message: 'Hello from a phone'}),
  mo_ucs2: pdu('deliver_sm', {sequence_number: 11, source_addr: '447700900123', destination_addr: '12025550100', data_coding: 8, short_message: Buffer.from('00480069002000D83DDE00', 'hex')}),
  mo_udh: pdu('deliver_sm', {sequence_number: 12, source_addr: '12025550143', destination_addr: '12025550100', esm_class: 0x40, short_message: Buffer.concat([Buffer.from('050003a70201', 'hex'), Buffer.from('first part of a long text ')])}),
  mo_udh2: pdu('deliver_sm', {sequence_number: 13, source_addr: '12025550143', destination_addr: '12025550100', esm_class: 0x40, short_message: Buffer.concat([Buffer.from('0608040102020202', 'hex'), Buffer.from('second part')])}),
  mo_payload: pdu('deliver_sm', {sequence_number: 14, source_addr: '12025550143', destination_addr: '12025550100', message_payload: 'A text carried in message_payload, longer than usual. '.repeat(5)}),
  mo_sar: pdu('deliver_sm', {sequence_number: 15, source_addr: '12025550143', destination_addr: '12025550100', sar_msg_ref_num: 513, sar_total_segments: 2, sar_segment_seqnum: 1, short_message: 'sar part one'}),
  dlr: pdu('deliver_sm', {sequence_number: 20, source_addr: '12025550143', destination_addr: '12025550100', esm_class: 0x04, short_message: 'id:abc123 sub:001 dlvrd:001 submit date:2611251000 done date:2611251001 stat:DELIVRD err:000 text:Hello'}),
  dlr_undeliv: pdu('deliver_sm', {sequence_number: 21, esm_class: 0x04, short_message: 'id:0f1e2d3c4b5a69788796a5b4c3d2e1f0 sub:001 dlvrd:000 submit date:2611251000 done date:2611251002 stat:UNDELIV err:001 text:'}),
  dlr_tlv: pdu('deliver_sm', {sequence_number: 22, esm_class: 0x04, receipted_message_id: 'abc123', message_state: 2, network_error_code: Buffer.from('030001', 'hex'), short_message: 'id:abc123 stat:DELIVRD'}),
  dlr_inter: pdu('deliver_sm', {sequence_number: 23, esm_class: 0x08, short_message: 'id:xyz stat:ENROUTE err:0'}),
  data_sm: pdu('data_sm', {sequence_number: 30, source_addr: '1', destination_addr: '2', message_payload: 'x'}),
  query: pdu('query_sm', {sequence_number: 31, message_id: 'abc123', source_addr: '1'}),
  alert: pdu('alert_notification', {sequence_number: 32, source_addr: '1', esme_addr: '2'}),
  outbind: pdu('outbind', {sequence_number: 33, system_id: 'SMSC', password: 'pw'}),
  unbind_resp: pdu('unbind_resp', {sequence_number: 34}),
};
const seed = (name, b0, bufs) => fs.writeFileSync(`${out}/${name}`, Buffer.concat([Buffer.from([b0]), ...bufs]));
// b0: bits 0-2 parts, 3-5 chunk size, 6 ack error, 7 raw
seed('bound-submit-ok', 0x01, [P.sub_ok]);
seed('bound-submit-mixed', 0x03, [P.sub_throttled, P.sub_bad_dst, P.sub_ok3, P.sub_qfull]);
seed('bound-submit-nack', 0x02, [P.nack2, P.nack9]);
seed('bound-enquire', 0x00, [P.enq, P.enq_resp]);
seed('bound-unbind', 0x00, [P.mo, P.unbind, P.mo]);
seed('bound-mo', 0x00, [P.mo]);
seed('bound-mo-ucs2-acknak', 0x40, [P.mo_ucs2]);
seed('bound-mo-udh-chunk1', 0x08, [P.mo_udh, P.mo_udh2]);
seed('bound-mo-payload-chunk7', 0x20, [P.mo_payload]);
seed('bound-mo-sar-chunk3', 0x18, [P.mo_sar]);
seed('bound-dlr', 0x01, [P.sub_ok, P.dlr]);
seed('bound-dlr-undeliv', 0x02, [P.sub_ok, P.sub_ok3, P.dlr_undeliv, P.dlr_inter]);
seed('bound-dlr-tlv-chunk16', 0x29, [P.sub_ok, P.dlr_tlv]);
seed('bound-unknown', 0x00, [P.data_sm, P.query, P.alert, P.outbind, P.unbind_resp]);
seed('bound-all-chunk2', 0x13, [P.sub_ok, P.enq, P.mo, P.dlr, P.nack9, P.mo_udh, P.dlr_tlv, P.data_sm]);
seed('raw-bind', 0x80, [P.bind_resp, P.mo, P.enq]);
seed('raw-bind-fail', 0x80, [P.bind_fail, P.mo]);
seed('raw-no-bind', 0x80, [P.mo, P.dlr]);
seed('raw-bind-twice', 0x80, [P.bind_resp, P.bind_resp, P.bind_fail, P.mo]);
seed('bound-bind-again', 0x00, [P.mo, P.bind_resp, P.bind_fail, P.enq]);
// framing: a length under 16, over 64 KiB, a PDU cut short
const bad = (len) => { const b = Buffer.alloc(16); b.writeUInt32BE(len, 0); b.writeUInt32BE(0x15, 4); b.writeUInt32BE(5, 12); return b; };
seed('bound-len-short', 0x00, [P.enq, bad(15), P.enq]);
seed('bound-len-zero', 0x00, [bad(0)]);
seed('bound-len-huge', 0x00, [P.mo, bad(0x10001)]);
seed('bound-len-max', 0x00, [bad(0x10000)]);
seed('bound-cut', 0x00, [P.enq, P.mo.subarray(0, 30)]);
// a deliver_sm whose sm_length runs past the PDU; one with no NULs
const over = Buffer.from(P.mo); over[over.length - 19] = 0xff;
seed('bound-mo-smlength-over', 0x00, [over]);
const nonul = Buffer.from(P.sub_ok); nonul[nonul.length - 1] = 0x41;
seed('bound-submit-resp-no-nul', 0x01, [nonul, P.enq]);
const mo_nonul = Buffer.alloc(40, 0x41); mo_nonul.writeUInt32BE(40, 0); mo_nonul.writeUInt32BE(5, 4); mo_nonul.writeUInt32BE(0, 8); mo_nonul.writeUInt32BE(40, 12);
seed('bound-deliver-no-nul', 0x00, [mo_nonul, P.enq]);
