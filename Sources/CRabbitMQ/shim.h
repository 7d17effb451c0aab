/* CRabbitMQ: the C surface of librabbitmq (rabbitmq-c 0.11) that Swift cannot import as is.
 * Owns the variadic amqp_login wrapper, typed copies of the macros that carry casts, and
 * small builders for AMQP field tables. Everything else is imported straight from amqp.h. */
#ifndef SMOLHOG_CRABBITMQ_SHIM_H
#define SMOLHOG_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

/* amqp_login is variadic (the SASL arguments); Swift cannot call it directly. */
static inline amqp_rpc_reply_t smolhog_amqp_login_plain(amqp_connection_state_t state, char const *vhost, int channel_max,
                                                       int frame_max, int heartbeat, char const *user,
                                                       char const *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

/* Method numbers (macros with casts are not imported by Swift). */
static const amqp_method_number_t SMOLHOG_AMQP_BASIC_ACK_METHOD = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_BASIC_NACK_METHOD = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_BASIC_DELIVER_METHOD = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_BASIC_CANCEL_METHOD = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_BASIC_RETURN_METHOD = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_BASIC_GET_OK_METHOD = AMQP_BASIC_GET_OK_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_CHANNEL_CLOSE_METHOD = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_CONNECTION_CLOSE_METHOD = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_CONNECTION_CLOSE_OK_METHOD = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_method_number_t SMOLHOG_AMQP_CHANNEL_CLOSE_OK_METHOD = AMQP_CHANNEL_CLOSE_OK_METHOD;

/* basic.properties flags. */
static const amqp_flags_t SMOLHOG_AMQP_BASIC_CONTENT_TYPE_FLAG = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t SMOLHOG_AMQP_BASIC_DELIVERY_MODE_FLAG = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t SMOLHOG_AMQP_BASIC_HEADERS_FLAG = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t SMOLHOG_AMQP_BASIC_MESSAGE_ID_FLAG = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t SMOLHOG_AMQP_BASIC_TIMESTAMP_FLAG = AMQP_BASIC_TIMESTAMP_FLAG;

/* Frame types. */
static const uint8_t SMOLHOG_AMQP_FRAME_METHOD = AMQP_FRAME_METHOD;
static const uint8_t SMOLHOG_AMQP_FRAME_HEADER = AMQP_FRAME_HEADER;
static const uint8_t SMOLHOG_AMQP_FRAME_BODY = AMQP_FRAME_BODY;

static const uint8_t SMOLHOG_AMQP_DELIVERY_PERSISTENT = AMQP_DELIVERY_PERSISTENT;
static const uint8_t SMOLHOG_AMQP_FIELD_KIND_UTF8 = AMQP_FIELD_KIND_UTF8;

/* A table entry whose value is a long string (AMQP 'S'); key and value bytes are borrowed. */
static inline amqp_table_entry_t smolhog_amqp_string_entry(amqp_bytes_t key, amqp_bytes_t value) {
    amqp_table_entry_t entry;
    entry.key = key;
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = value;
    return entry;
}

/* A table over borrowed entries. */
static inline amqp_table_t smolhog_amqp_table(amqp_table_entry_t *entries, int count) {
    amqp_table_t table;
    table.num_entries = count;
    table.entries = entries;
    return table;
}

#endif
