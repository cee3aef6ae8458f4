-- supakit stub: plv8
-- version: 3.1.10
-- relocatable: false
-- supports: a trusted language plv8, so CREATE FUNCTION ... LANGUAGE plv8 applies and appears in the catalog with its body, owner, volatility and grants.
-- lacks: JavaScript never runs: calling a plv8 function fails ("cannot accept a value of type language_handler"), DO blocks in plv8 are refused, bodies are not syntax-checked.

create function @extschema@.plv8_call_handler() returns language_handler
    language internal as 'language_handler_in';
create trusted language plv8 handler @extschema@.plv8_call_handler;
