-- One global sequence: every write of every resource type takes its version (txid) from it.
create sequence if not exists txid_seq;
