using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Data.Migrations
{
    /// <inheritdoc />
    public partial class MessageSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Message search (Data/MessageSearch.cs). An FTS5 index of Messages.Text by trigrams, so any three
            // characters find the words around them, in scripts written without spaces too. External content: the
            // index stores no second copy of the text; the triggers keep it in step with every insert, edit
            // (including a deletion, which empties Text) and row deletion, and 'rebuild' indexes the rows already there.
            // A migration that rebuilds the Messages table (SQLite's way to alter a column) drops these triggers and
            // must create them again.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "MessagesSearch" USING fts5("Text", content='Messages', content_rowid='Id', tokenize='trigram');
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_search_insert" AFTER INSERT ON "Messages" BEGIN
                    INSERT INTO "MessagesSearch"(rowid, "Text") VALUES (new."Id", new."Text");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_search_delete" AFTER DELETE ON "Messages" BEGIN
                    INSERT INTO "MessagesSearch"("MessagesSearch", rowid, "Text") VALUES ('delete', old."Id", old."Text");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_search_update" AFTER UPDATE OF "Text" ON "Messages" BEGIN
                    INSERT INTO "MessagesSearch"("MessagesSearch", rowid, "Text") VALUES ('delete', old."Id", old."Text");
                    INSERT INTO "MessagesSearch"(rowid, "Text") VALUES (new."Id", new."Text");
                END;
                """);
            migrationBuilder.Sql("""INSERT INTO "MessagesSearch"("MessagesSearch") VALUES ('rebuild');""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Messages_search_update";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Messages_search_delete";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Messages_search_insert";""");
            migrationBuilder.Sql("""DROP TABLE IF EXISTS "MessagesSearch";""");
        }
    }
}
