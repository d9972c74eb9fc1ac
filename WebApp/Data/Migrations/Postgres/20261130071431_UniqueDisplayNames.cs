using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UniqueDisplayNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_NormalizedDisplayName",
                table: "AspNetUsers");

            migrationBuilder.AddColumn<DateTime>(
                name: "CreatedAt",
                table: "AspNetUsers",
                type: "timestamp with time zone",
                nullable: true);

            // Names that were shared before they had to be unique: everyone after the first keeps theirs with a
            // suffix from their id (keys are upper case, and so are the suffix's hex digits under the key rule).
            migrationBuilder.Sql("""
                UPDATE "AspNetUsers" SET
                    "DisplayName" = COALESCE(NULLIF(TRIM("DisplayName"), ''), NULLIF(split_part("Email", '@', 1), ''), 'someone') || '-' || substr("Id", 1, 8),
                    "NormalizedDisplayName" = "NormalizedDisplayName" || '-' || upper(substr("Id", 1, 8))
                WHERE "NormalizedDisplayName" IS NOT NULL AND EXISTS (
                    SELECT 1 FROM "AspNetUsers" AS earlier
                    WHERE earlier."NormalizedDisplayName" = "AspNetUsers"."NormalizedDisplayName" AND earlier."Id" < "AspNetUsers"."Id")
                """);

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_NormalizedDisplayName",
                table: "AspNetUsers",
                column: "NormalizedDisplayName",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_NormalizedDisplayName",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "CreatedAt",
                table: "AspNetUsers");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_NormalizedDisplayName",
                table: "AspNetUsers",
                column: "NormalizedDisplayName");
        }
    }
}
